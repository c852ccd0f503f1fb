"""callpop's data layer: models, engine, queries, search, offers and calls. No Textual here."""
