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


# --- images checked by content ----------------------------------------------------------------

#: Pillow's format → (the MIME type the file's magic bytes must show, the stored extension).
#: An MPO is a JPEG with a second picture (phones write them), read as a JPEG.
IMAGE_FORMATS = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
    "MPO": ("image/jpeg", ".jpg"),
}


def check_image(upload, *, max_bytes: int, max_side: int, formats=("PNG", "JPEG")) -> str:
    """Check an uploaded image by its content, never by its name: not empty, at most
    ``max_bytes``, its magic bytes (``filetype``) and Pillow agree on one of ``formats``, at most
    ``max_side`` pixels wide and high, and it decodes to the end (a truncated or damaged file
    fails). Raises ``ValidationError`` with a message in the active language; returns the
    extension to store it under (``.png``, ``.jpg``). The file is left at its start."""
    import filetype
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _
    from PIL import Image, UnidentifiedImageError

    names = " / ".join("JPEG" if f == "MPO" else f for f in formats)
    wrong_type = ValidationError(
        _("Choose a %(formats)s image.") % {"formats": names}, code="image_type"
    )
    size = getattr(upload, "size", None)
    if not size:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("The image is larger than %(size)s.") % {"size": _size_text(max_bytes)},
            code="image_size",
        )
    upload.seek(0)
    kind = filetype.guess(upload.read(8192))
    upload.seek(0)
    allowed = {f: IMAGE_FORMATS[f] for f in formats} | (
        {"MPO": IMAGE_FORMATS["MPO"]} if "JPEG" in formats else {}
    )
    if kind is None or kind.mime not in {mime for mime, _ext in allowed.values()}:
        raise wrong_type
    damaged = ValidationError(
        _("The image cannot be read: the file is damaged or not a %(formats)s image.")
        % {"formats": names},
        code="image_damaged",
    )
    try:
        with Image.open(upload, formats=list(allowed)) as image:
            image_format, (width, height) = image.format, image.size
            if image_format not in allowed or allowed[image_format][0] != kind.mime:
                raise wrong_type
            if width > max_side or height > max_side:
                raise ValidationError(
                    _(
                        "The image is %(width)d × %(height)d pixels; it may be at most "
                        "%(max)d × %(max)d."
                    )
                    % {"width": width, "height": height, "max": max_side},
                    code="image_pixels",
                )
            image.verify()
        upload.seek(0)
        with Image.open(upload, formats=list(allowed)) as image:
            image.load()  # decodes every pixel: a truncated file fails here
    except ValidationError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise damaged from None
    finally:
        upload.seek(0)
    return allowed[image_format][1]


def _size_text(limit: int) -> str:
    """1048576 → "1 MB", 512000 → "500 KB"."""
    if limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    return f"{limit // 1024} KB"
