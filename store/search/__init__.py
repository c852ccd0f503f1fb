"""Customer search: by any phone format or partial number, by name with typos, e-mail, account,
card last 4 or ticket number. The index lives in the database (see `store.models.search`), kept
current by a flush hook in the writer's transaction (`install_index_hook`, where the engine is
opened); `rebuild_index` is for bulk loads. Its statements are Core, on the tables (`table_of`)
rather than the models' ORM attributes: a search configures no mapper (~10 ms of `callpop
find`'s start-up, tests/test_cli_startup.py)."""

from store.search.build import rebuild_index
from store.search.engine import use_cache_dir as use_name_engines
from store.search.lookup import find_by_email, find_by_phone, find_customers
from store.search.sync import install as install_index_hook
from store.search.types import Match, SearchResult

__all__ = [
    "Match",
    "SearchResult",
    "find_by_email",
    "find_by_phone",
    "find_customers",
    "install_index_hook",
    "rebuild_index",
    "use_name_engines",
]
