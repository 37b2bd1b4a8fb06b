"""A synthetic but coherent VMS org, generated from a preset and a seed: same inputs, same bytes.

``prepare(preset, seed)`` returns a cached SQLite file in the store's layout; ``counts(path)`` says what it
holds. Presets: ``tiny`` (tests; students pass 2,000 so paging is exercised), ``demo`` (a tenth of the real
org), ``vms`` (the real org's volumes).
"""

from .build import GENERATOR_VERSION, generate
from .cache import counts, prepare, resolve_cache_dir
from .presets import PRESETS, Preset
from .timeline import GENERATED_UNTIL

__all__ = ["GENERATED_UNTIL", "GENERATOR_VERSION", "PRESETS", "Preset", "counts", "generate", "prepare",
           "resolve_cache_dir"]
