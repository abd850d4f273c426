"""synthgan: GANs for realistic synthetic stock bars and images, with evaluation.

Public API::

    from synthgan import StockSynthesizer
    syn = StockSynthesizer(steps=2000, seed=0).fit(df)
    paths = syn.sample(n_paths=100, length=252, seed=1)
"""

from synthgan.errors import (
    CheckpointError,
    ConfigError,
    DataValidationError,
    NotFittedError,
    SynthganError,
    TrainingDivergedError,
)
from synthgan.images.synthesizer import ImageSynthesizer
from synthgan.stocks.synthesizer import StockSynthesizer

__version__ = "0.1.0"

__all__ = [
    "CheckpointError",
    "ConfigError",
    "DataValidationError",
    "ImageSynthesizer",
    "NotFittedError",
    "StockSynthesizer",
    "SynthganError",
    "TrainingDivergedError",
    "__version__",
]
