"""The PACS: films found and fetched over DICOMweb (QIDO-RS, WADO-RS), results written back as DICOM (STOW-RS).

settings.py reads where the PACS is and how to sign in (the password never leaves it); client.py is the one door to
it, every fault a PacsError sentence; results_dicom.py builds the Secondary Capture and the SR; write_back.py stores
them once; local_orthanc.py starts Debian's Orthanc for tests and the demo.
"""
