"""Private files: stored outside the web root (``settings.PRIVATE_MEDIA_ROOT``) and served only
by views that check who may see the object they belong to (approval attachments, claim photos,
report files). Never a public URL."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files outside the web root (``settings.PRIVATE_MEDIA_ROOT``, read on every use), served
    only by a permission-checked view; migrations name no machine's path."""

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


private_storage = PrivateStorage()
