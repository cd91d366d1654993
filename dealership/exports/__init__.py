"""Export of every list (README, "Export"): CSV and XLSX of the list on the screen, streamed, or
made in the background above a row limit; each export recorded (:class:`ListExport`)."""
