"""Where scenarios, their versions, accounts and uploads are kept: the SQLite store
(:mod:`api.storage.store`), its schema and migrations, the version history, the shipped
library, paged listing and the readers of uploaded assignment files."""
