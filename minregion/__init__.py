"""minregion: compelling ReLU networks to exhibit exponentially many linear regions.

A plain-NumPy reference implementation of Milkert, Hyde & Laine (ICML 2025).
"""
from .construction import triangle_network, weight_map_backward, weight_map_forward
from .mlp import mlp_backward, mlp_forward, mlp_predict
from .regions import count_regions

__all__ = ["triangle_network", "weight_map_forward", "weight_map_backward",
           "mlp_predict", "mlp_forward", "mlp_backward", "count_regions"]
