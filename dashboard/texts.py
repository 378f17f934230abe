"""Words the pages share, so the warnings say the same thing everywhere."""

DISCLAIMER = (
    "Research and teaching tool, **not a diagnostic device**. The model was trained on public datasets in "
    "which each class comes mostly from different hospitals and ages; it can be right for the wrong reasons."
)

SOURCE_WARNING = (
    "In this data the classes still come mostly from different collections: COVID-19 only from web and hospital "
    "collections of adults, most Pneumonia from one children's hospital (adult pneumonia only from the noisy NIH "
    "labels), in different file formats. High scores here do not mean the model works elsewhere: see Other hospitals."
)


def unfamiliar_sentence(gate_report: dict, with_held_out: bool = True) -> str:
    """What the unfamiliar-source warning can and cannot do, from the gate's own measurements: on other hospitals'
    films and (`with_held_out`, the About page) with each training collection held out in turn."""
    external = (gate_report.get("external_films_passed") or {}).get("all")
    if not external:
        return (
            'A film that lies far from every training collection is answered with an "unfamiliar source" warning; '
            "how often that warning fires on other hospitals' films has not been measured."
        )
    sentence = (
        f"**This check does not recognise other hospitals.** On {external['n']} films from two hospitals the model "
        f'never saw, its "unfamiliar source" warning fired on {external["unfamiliar_warning"]:.0%} of them, although '
        'the model does far worse there (Evaluation page, "Other hospitals").'
    )
    held_out = ((gate_report.get("unfamiliar_source_held_out") or {}).get("rates") or {}).get("mean")
    if held_out and with_held_out:
        sentence += (
            " Measured with each training collection held out in turn as if it were a new hospital, it flagged "
            f"{held_out['unseen_flagged']:.0%} of that collection's films on average (and "
            f"{held_out['familiar_flagged']:.1%} of familiar films): short of the half that a promise would need."
        )
    return sentence + (
        " So the absence of that warning does not mean the figures apply to your film: unless it comes from one of "
        "the training collections, expect the other-hospital figures, not the test-split ones."
    )
