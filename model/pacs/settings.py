"""Where the PACS is and how to sign in, read once from the environment. The password is held here and handed to
the HTTP session only: repr() and every message show the address and the user, never the password."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from model import config


class PacsError(RuntimeError):
    """The PACS could not do what was asked; the message is the sentence to show (never holding the password).
    `about_instance`: the fault is one instance's own (gone, too large, not DICOM), not the PACS's: an audit makes it
    that film's row and goes on, where any other fault ends the run."""

    def __init__(self, message: str, about_instance: bool = False) -> None:
        super().__init__(message)
        self.about_instance = about_instance


@dataclass(frozen=True)
class PacsSettings:
    url: str
    user: str = ""
    password: str = field(default="", repr=False)

    @property
    def where(self) -> str:
        return f"the PACS at {self.url}" + (f" (user {self.user})" if self.user else "")

    @classmethod
    def from_env(cls, url: str | None = None, user: str | None = None, password_file: Path | None = None):
        """Settings from arguments where given, else the environment; None when no PACS is configured."""
        url = (url or os.environ.get(config.DICOMWEB_URL_ENV, "")).strip().rstrip("/")
        if not url:
            return None
        if not url.startswith(("http://", "https://")):
            raise PacsError(f"{config.DICOMWEB_URL_ENV} must start with http:// or https:// (it is a DICOMweb root).")
        password = ""
        file = password_file or (Path(p) if (p := os.environ.get(config.DICOMWEB_PASSWORD_FILE_ENV)) else None)
        if file is not None:
            try:
                password = Path(file).read_text(encoding="utf-8").strip()
            except OSError as error:
                raise PacsError(f"The password file {file} cannot be read ({error.strerror or error}).") from None
        else:
            password = os.environ.get(config.DICOMWEB_PASSWORD_ENV, "")
        return cls(url, (user or os.environ.get(config.DICOMWEB_USER_ENV, "")).strip(), password)

    def redact(self, text: str) -> str:
        """`text` with the password removed wherever it appears (a server may echo what it was sent)."""
        return text.replace(self.password, "•••") if self.password else text
