"""After a PACS audit: every answered instance's results written back into its study (model.pacs.write_back), once.

The maps are computed again here, in the driver, for the answered films only (the audit's rows keep lung shares,
not maps); what the PACS already holds is skipped, so running it twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from model import config
from model.audit.results import load_audit
from model.pacs.client import PacsClient
from model.pacs.settings import PacsError, PacsSettings
from model.pacs.values import parse_key


@dataclass
class WriteBackRun:
    written: int = 0  # objects stored
    already: int = 0  # objects the PACS held already
    failed: int = 0  # films whose results could not be written (each said on stderr by the caller)


def write_back_audit(out, settings: PacsSettings, model: str | None, method: str, say=print) -> WriteBackRun:
    from model.analysis import AnalysisRequest, explain_images
    from model.image_io import ImageLoadError, load_image_bytes
    from model.lungs import optional_segmenter
    from model.pacs.write_back import write_back
    from model.registry import load_registered, resolve

    table = load_audit(out)
    answered = table[table["path"].astype(str).str.startswith("dicomweb:") & (table["prediction"].astype(str) != "")]
    client = PacsClient(settings)
    classifier = load_registered(resolve(model))
    segmenter = optional_segmenter()
    request = AnalysisRequest(method, None, explain_anyway=True, with_faithfulness=False, model_id=classifier.id)
    run = WriteBackRun()
    refs = [ref for ref in (parse_key(str(p)) for p in answered["path"]) if ref is not None]
    for start in range(0, len(refs), config.WRITE_BACK_BATCH):
        films = []
        for ref in refs[start : start + config.WRITE_BACK_BATCH]:
            try:
                films.append((ref, load_image_bytes(client.retrieve(ref), ref.sop_uid)))
            except (PacsError, ImageLoadError) as error:
                say(f"  not written back: {error}")
                run.failed += 1
        if not films:
            continue
        analyses = explain_images(classifier, [image for _, image in films], request, segmenter=segmenter)
        for (ref, image), analysis in zip(films, analyses):
            try:
                done = write_back(client, ref, image.pixels, analysis, classifier.id, classifier.card.sha256)
            except (PacsError, ValueError) as error:
                say(f"  not written back: {ref.sop_uid}: {error}")
                run.failed += 1
                continue
            run.written += done.written
            run.already += done.already
    return run
