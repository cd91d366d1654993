"""Project format modules (``FORMAT_MODULE_PATH``)."""
