"""Runnable pipelines built on tdasheaf's public API.

Each script has ``main(argv=None) -> int`` and runs as ``python pipelines/NAME.py``; the
batch extractor and the anomaly detector are also installed as console scripts
(``tdasheaf-extract``, ``tdasheaf-anomalies``) through the ``tdasheaf_pipelines`` package
that ``pyproject.toml`` maps onto this folder.
"""
