"""The apps under apps/ import pinned third-party versions: pytest must not import them."""

collect_ignore_glob = ["apps/*"]
