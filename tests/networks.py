"""Networks built by hand for the chapter-1 tests, so that the counter is tested on its own
(without chapter 2's ``triangle_network``)."""
import numpy as np


def tent_network(k):
    """Telgarsky's tent t(y) = ReLU(2y) - ReLU(4y - 2), composed k times: 2^k pieces."""
    W_in, b_in = np.array([[2.0], [4.0]]), np.array([0.0, -2.0])
    out = np.array([[1.0, -1.0]])                    # t = h_0 - h_1
    layers = [(W_in, b_in)]
    for _ in range(k - 1):
        layers.append((W_in @ out, b_in))            # the next tent reads t
    layers.append((out, np.zeros(1)))
    return layers


def constructed_network(a, s0=None, sigma=-1.0, alpha=1.0, beta=0.0, offset=1.0, lo=0.0,
                        hi=1.0):
    """The width-4, depth-d network of SPEC section 3 (d = len(a) - 1), built directly,
    with 2^d pieces on [lo, hi] in exact arithmetic.

    Hidden neurons [sum, t1, t2, bias]; scales by Theorem 3.1: S_0 = s0,
    S_i = (1 - a_i) a_{i+1}. The sum neuron carries a constant offset, taken out at the output.
    The input layer maps [lo, hi] onto [0, 1].
    """
    a = np.asarray(a, dtype=np.float64)
    d = len(a) - 1
    S = np.empty(d)
    S[0] = a[0] * a[1] if s0 is None else s0
    S[1:] = (1 - a[1:d]) * a[2:]

    def M(i):
        p, q = S[i] / a[i], S[i] / (a[i] - a[i] ** 2)
        return np.array([[1, sigma * p, -sigma * q, 0],
                         [0, p, -q, 0],
                         [0, p, -q, -S[i] * a[i + 1]],
                         [0, 0, 0, S[i]]])

    scale = 1.0 / (hi - lo)
    layers = [(np.array([[scale], [scale], [scale], [0.0]]),
               np.array([offset, 0.0, -a[0], 1.0]) - lo * scale * np.array([1.0, 1.0, 1.0, 0.0]))]
    layers += [(M(i), np.zeros(4)) for i in range(d - 1)]
    layers.append((alpha * M(d - 1)[:1], np.array([-alpha * offset + beta])))
    return layers


def random_network(rng, widths, kaiming=False):
    """Random (W, b) list for layer widths [1, ..., 1]: normal, or PyTorch's default
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases ("Kaiming uniform")."""
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        if kaiming:
            k = 1 / np.sqrt(fan_in)
            layers.append((rng.uniform(-k, k, (fan_out, fan_in)), rng.uniform(-k, k, fan_out)))
        else:
            layers.append((rng.normal(size=(fan_out, fan_in)), rng.normal(size=fan_out)))
    return layers


def forward(layers, x):
    """Network output at x : (N,) -> (N,)."""
    h = x[:, None]
    for W, b in layers[:-1]:
        h = np.maximum(h @ W.T + b, 0)
    return (h @ layers[-1][0].T + layers[-1][1])[:, 0]
