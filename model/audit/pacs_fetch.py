"""An archive audit's films from a PACS: which instances to audit, and fetching one inside a Ray task.

Listing asks the PACS for every instance of the chosen studies (or of every study since a date) and keeps this
tool's own result series out. Fetching uses one client per process (settings from the environment the job was
started with; the password file is read there, never passed in a task's arguments). A fault that is the
instance's own (404, not DICOM, too large, not an image) becomes the film's row; a PACS that stopped answering (no
connection, time-outs after the retries, sign-in refused) raises PacsUnavailable, which ends the job with the rows
written so far kept: the same command resumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from model import config
from model.image_io import ImageLoadError
from model.pacs.client import PacsClient
from model.pacs.settings import PacsError, PacsSettings
from model.pacs.values import InstanceRef, parse_key

UNAVAILABLE_MARK = "[pacs-unavailable]"  # survives Ray's wrapping of the error into its own types


class PacsUnavailable(RuntimeError):
    """The PACS stopped answering mid-audit."""


class NotAFilm(ImageLoadError):
    """A PACS instance that is not a projection radiograph (an SR, a presentation state, a CT slice)."""


@lru_cache(maxsize=1)
def _client() -> PacsClient:
    settings = PacsSettings.from_env()
    if settings is None:
        raise PacsUnavailable(f"{UNAVAILABLE_MARK} {config.DICOMWEB_URL_ENV} is not set in the audit's workers.")
    return PacsClient(settings)


def fetch_instance(key: str, sop_class: str) -> bytes:
    ref = parse_key(key)
    if ref is None:
        raise NotAFilm(f"{key[:80]}: not a PACS instance key.")
    if sop_class and sop_class not in config.PACS_IMAGE_SOP_CLASSES:
        raise NotAFilm(f"{ref.sop_uid}: not a radiograph (SOP class {sop_class}); not answered.")
    try:
        return _client().retrieve(ref)
    except PacsError as error:
        if error.about_instance:
            raise ImageLoadError(str(error)) from None
        raise PacsUnavailable(f"{UNAVAILABLE_MARK} {error}") from None


def list_instances(client: PacsClient, studies: list[str], since: str = "") -> list[InstanceRef]:
    """The instances of `studies` (every study since `since` when none is named), this tool's results left out."""
    study_uids = studies or client.study_uids_since(since)
    found: list[InstanceRef] = []
    for study in study_uids:
        for series in client.series(study):
            if series.description == config.RESULT_SERIES_DESCRIPTION:
                continue
            found.extend(client.instances(study, series.series_uid))
    return sorted(found, key=lambda ref: ref.key)


@dataclass(frozen=True)
class PacsSource:
    """An audit's source when it is a PACS: where (with the sign-in) and which studies (all since `since` if none)."""

    settings: PacsSettings
    studies: tuple[str, ...] = ()
    since: str = ""
    password_file: Path | None = None

    def worker_environment(self) -> dict[str, str]:
        """What the decode tasks need to reach the PACS, as environment variables of their Ray runtime environment:
        the URL, the user, and the password file's path where one was given (only then does the password itself
        never travel); else the password."""
        found = {config.DICOMWEB_URL_ENV: self.settings.url, config.DICOMWEB_USER_ENV: self.settings.user}
        if self.password_file is not None:
            found[config.DICOMWEB_PASSWORD_FILE_ENV] = str(Path(self.password_file).absolute())
        elif self.settings.password:
            found[config.DICOMWEB_PASSWORD_ENV] = self.settings.password
        return found

    def items(self) -> list[dict[str, str]]:
        """The instances to audit as Ray items (key and SOP class); raises PacsError when the PACS cannot be used."""
        client = PacsClient(self.settings)
        client.check()
        return [
            {"path": ref.key, "sop_class": ref.sop_class}
            for ref in list_instances(client, list(self.studies), self.since)
        ]
