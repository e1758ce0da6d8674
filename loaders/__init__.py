"""Getting data in and out: the import format (:mod:`loaders.formats`), the importer
(:mod:`loaders.importer`), the exporter (:mod:`loaders.exporter`, CSV/JSON Lines/GraphML), the
synthetic network generator (:mod:`loaders.synthetic`), the classic networks used as fixtures
(:mod:`loaders.classic`) and their CLI commands (:mod:`loaders.commands`)."""
