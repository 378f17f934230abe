"""Words the pages share, so the warnings say the same thing everywhere."""

DISCLAIMER = (
    "Research and teaching tool, **not a diagnostic device**. The model was trained on public datasets in "
    "which each class comes mostly from different hospitals and ages; it can be right for the wrong reasons."
)

SOURCE_WARNING = (
    "In this data, Pneumonia images are all children and COVID-19 images all adults, and the classes come "
    "from different hospitals and file formats. High scores here do not mean the model would work elsewhere."
)
