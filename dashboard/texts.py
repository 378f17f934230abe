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
