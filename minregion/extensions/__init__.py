"""The paper's preliminary extensions (SPEC section 8): read the core first.

Nothing in the core of minregion imports this package; it builds on the core:

- :mod:`.difference`: a non-convex 1-D model, the difference of two constructions;
- :mod:`.triangle_layer`: the construction as a learned activation on K projections of an
  input of any dimension, and stacks of such layers;
- :mod:`.regions2d`: the exact linear regions of a network with two inputs, as polygons;
- :mod:`.losses`, :mod:`.targets`: the softmax cross-entropy and the targets used here;
- :mod:`.train`, :mod:`.experiments`, :mod:`.plots`: training, the experiments against
  dense networks with the same parameter count (``python -m minregion reproduce --tables
  ext``), and their figures.
"""
