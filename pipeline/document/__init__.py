"""The document half of the pipeline: what happens to a document's tables after every page was read.

In data order (the list :data:`pipeline.document.stage.STEPS` runs them):

1. :mod:`~pipeline.document.continuations` — mark each page's first table that continues the previous page's;
2. :mod:`~pipeline.document.recognise` — repair split columns, type every table (``register_recognizers``);
3. :mod:`~pipeline.document.analysis` — logical tables, records, arithmetic checks (``check_document``),
   check-aware confidence fusion and vocabulary confirmation;
4. :mod:`~pipeline.document.codec` — document.json, written and read back by one codec.

A table's annotations are typed (:mod:`~pipeline.document.notes`).  This package's ``__init__`` imports
nothing, so :mod:`pipeline.model` can use the notes types without a cycle.
"""
