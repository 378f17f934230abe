"""Every input error, each a subclass of ImageLoadError whose message is shown to people as it is."""

from __future__ import annotations


class ImageLoadError(ValueError):
    """Base of every input error; its message is shown to the user as is."""


class EmptyFileError(ImageLoadError):
    pass


class NotAnImageError(ImageLoadError):
    pass


class TruncatedImageError(ImageLoadError):
    pass


class ImageTooSmallError(ImageLoadError):
    pass


class ImageTooLargeError(ImageLoadError):
    pass


class DicomError(ImageLoadError):
    pass


class NotAFileError(ImageLoadError):
    """A path that is a folder, a broken or looping link, or unreadable."""
