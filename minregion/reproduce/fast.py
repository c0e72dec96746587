"""The training step the experiments run: the readable step's numbers, bit for bit, faster.

:mod:`minregion.training` (with :mod:`~minregion.layers`, :mod:`~minregion.mlp` and
:mod:`~minregion.optim`) is the text to read: one operation per line of maths. This module
runs the same operations on the same numbers in the same order, so every loss, parameter and
region count is identical (``tests/test_fast.py`` checks ``np.array_equal`` over hundreds of
steps, both phases); it only removes work that NumPy would otherwise repeat:

1. **ReLU against an array of zeros**, ``np.maximum(z, zeros, out=h)``: with a scalar ``0.0``
   NumPy misses its fast loop;
2. **the 1-wide layers as broadcast products**: the first layer's ``W x`` and the last
   layer's ``W^T dout`` are outer products (one product per entry, so a broadcast ``*`` gives
   the matmul's numbers, several times faster than a matmul with an inner size of 1), and
   the first layer's input gradient, which nothing uses, is not computed;
3. **one flat buffer each** for the parameters, the gradients and Adam's two moments, the
   arrays of the network being views into them: Adam and the finiteness check are a dozen
   calls on one buffer instead of a dozen per array;
4. **the runs axis in chunks** of :data:`CHUNK` runs, every intermediate array written into
   buffers allocated once: the working set stays in the cache, so a step of 300 runs costs
   per run what a step of 30 does (the chunk size is measured by ``make bench``);
5. the constrained phase allocates the weight map's layers once and rewrites only their
   moving entries each step (:class:`WeightMap`; one build serves the step's region count and
   its loss), and skips the gradients the map ignores (the input weights and the hidden
   biases are fixed by the construction).

A compiled framework fuses these passes into one kernel; NumPy cannot, which is why this is
still slower than JAX (``docs/speed.md``).

:func:`train_raw` and :func:`train_constrained` take the arguments of their namesakes in
:mod:`minregion.training` (the runs axis is required here) and fill the same
:class:`~minregion.training.History`.
"""
import numpy as np

from ..checks import check_epochs, check_in_interval, check_interval, check_map_params
from ..construction import (matrix_entries, project_params, scales, weight_map_backward,
                            weight_map_forward)
from ..mlp import prepare_data
from ..training import (check_settings, check_step, check_trained_layers, check_trained_params,
                        every, record_regions)

CHUNK = 16     # [choice] runs per chunk, from `make bench`'s sweep (docs/speed.md)


def check_chunk(chunk):
    """``chunk`` must be an integer >= 1; returns it."""
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be an integer >= 1; got {chunk!r}")
    return int(chunk)


# --- one flat buffer, many views ----------------------------------------------------------

def flat_views(shapes):
    """One zero float64 buffer and a view into it of each shape, in order.

    Returns (buffer (total,), list of arrays shaped like ``shapes``)."""
    sizes = [int(np.prod(s)) for s in shapes]
    buf = np.zeros(sum(sizes))
    ends = np.cumsum([0] + sizes)
    return buf, [buf[a:b].reshape(s) for a, b, s in zip(ends[:-1], ends[1:], shapes)]


class FlatAdam:
    """:class:`minregion.optim.Adam`'s arithmetic, in its order, on one flat buffer.

    ``p``, ``g`` : (P,) float64, the parameters (updated in place) and their gradients.
    """

    def __init__(self, size, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m, self.v = np.zeros(size), np.zeros(size)
        self._a, self._b = np.empty(size), np.empty(size)

    def step(self, p, g):
        """One Adam update of ``p`` (P,) in place from ``g`` (P,)."""
        self.t += 1
        c1 = 1.0 - self.beta1 ** self.t
        c2 = 1.0 - self.beta2 ** self.t
        m, v, a, b = self.m, self.v, self._a, self._b
        m *= self.beta1
        np.multiply(1.0 - self.beta1, g, out=a)
        m += a                                   # m <- beta1 m + (1 - beta1) g
        v *= self.beta2
        np.multiply(1.0 - self.beta2, g, out=a)
        a *= g
        v += a                                   # v <- beta2 v + ((1 - beta2) g) g
        np.divide(m, c1, out=a)
        a *= self.lr                             # lr (m / c1)
        np.divide(v, c2, out=b)
        np.sqrt(b, out=b)
        b += self.eps                            # sqrt(v / c2) + eps
        a /= b
        p -= a


# --- the network's loss and gradients, chunk by chunk -----------------------------------

class NetworkStep:
    """Loss and gradients of R networks ``widths[0] = 1 -> ... -> 1`` on the same data.

    The arithmetic of :func:`minregion.training.raw_loss_and_grads`, chunk of runs by chunk of
    runs, into buffers allocated here once (with every view of them the step needs).

    Parameters
    ----------
    widths : the layer widths, ``[1, w_1, ..., w_d, 1]``
    runs : R; X : (1, N) or (R, 1, N); Y : (N,) or (R, N) (from ``prepare_data``)
    layers : list of (W, b) arrays with the runs axis, read at every call (the step updates
        them in place between calls)
    grads : list of (dW, db) arrays shaped like ``layers``, filled by every call
    chunk : runs per chunk
    constrained : skip the gradients the weight map ignores (input weights, hidden biases)
    """

    def __init__(self, layers, X, Y, grads, chunk=CHUNK, constrained=False):
        widths = [layers[0][0].shape[-1]] + [W.shape[-2] for W, _ in layers]
        runs = layers[0][0].shape[0]
        if widths[0] != 1 or widths[-1] != 1:
            raise ValueError(f"the fast step trains 1-input, 1-output networks; got widths "
                             f"{widths}")
        n, c = X.shape[-1], min(check_chunk(chunk), runs)
        self.n, self.constrained = n, constrained
        self.bounds = [(r, min(r + c, runs)) for r in range(0, runs, c)]
        hidden = widths[1:-1]
        h = [np.empty((c, w, n)) for w in hidden]          # z, then ReLU(z) in place
        on = [np.empty((c, w, n), dtype=bool) for w in hidden]
        zeros = {w: np.zeros((c, w, n)) for w in set(hidden)}
        out = np.empty((c, 1, n))
        dh = [{w: np.empty((c, w, n)) for w in set(hidden)} for _ in range(2)]
        self.chunks = []
        for r0, r1 in self.bounds:
            k = r1 - r0
            x = X if X.ndim == 2 else X[r0:r1]
            hk = [a[:k] for a in h]
            self.chunks.append(dict(
                x=x, xT=np.swapaxes(x, -1, -2), y=Y if Y.ndim == 1 else Y[r0:r1],
                h=hk, hT=[np.swapaxes(a, -1, -2) for a in hk], on=[a[:k] for a in on],
                zeros=[zeros[w][:k] for w in hidden], out=out[:k],
                dh=[[d[w][:k] for d in dh] for w in hidden],
                grads=[(dW[r0:r1], db[r0:r1]) for dW, db in grads],
                layers=[(W[r0:r1], np.swapaxes(W[r0:r1], -1, -2), b[r0:r1, :, None])
                        for W, b in layers]))

    def __call__(self, loss):
        """Fill the gradients and ``loss`` (R,) for the layers as they are now."""
        for (r0, r1), chunk in zip(self.bounds, self.chunks):
            loss[r0:r1] = self._chunk(**chunk)

    def _chunk(self, layers, x, xT, y, h, hT, on, zeros, out, dh, grads):
        L = len(layers)
        for l, (W, _, b) in enumerate(layers[:-1]):
            z = h[l]
            if l == 0:
                np.multiply(W, x, out=z)         # (k, w, 1) * (1, N): the outer product W x
            else:
                np.matmul(W, h[l - 1], out=z)
            z += b
            np.greater(z, 0, out=on[l])
            np.maximum(z, zeros[l], out=z)       # ReLU, in place
        W, WT, b = layers[-1]
        np.matmul(W, h[-1], out=out)
        out += b
        r = out[:, 0, :] - y                     # mse_forward, then mse_backward
        loss = np.add.reduce(r * r, axis=-1) / self.n
        r *= 2.0
        r /= self.n
        dout = r[:, None, :]
        np.matmul(dout, hT[-1], out=grads[-1][0])
        np.add.reduce(dout, axis=-1, out=grads[-1][1])
        d = dh[-1][0]
        np.multiply(WT, dout, out=d)                         # W^T dout, an outer product
        for i, l in enumerate(range(L - 2, -1, -1)):
            dz = np.multiply(d, on[l], out=d)                # relu_backward
            if l > 0 or not self.constrained:
                np.matmul(dz, hT[l - 1] if l > 0 else xT, out=grads[l][0])
            if l == 0 or not self.constrained:
                np.add.reduce(dz, axis=-1, out=grads[l][1])
            if l > 0:                            # the first layer's input gradient: unused
                d = np.matmul(layers[l][1], dz, out=dh[l - 1][(i + 1) % 2])
        return loss


class WeightMap:
    """:func:`~minregion.construction.weight_map_forward` for one training, the same numbers:
    the layers are allocated once (their fixed entries written once: the input weights, the
    structural zeros, the hidden biases) and only their moving entries are written each step.

    The parameters are checked once, here: training keeps them valid (the peaks projected
    into (0, 1), the scales positive, every gradient checked finite before a step).
    """

    def __init__(self, params, sigma, lo, hi):
        sigma, lo, hi, a, _, _ = check_map_params(params, sigma, lo, hi)
        layers, cache = weight_map_forward(params, sigma, lo, hi)
        d = a.shape[-1] - 1
        self.sigma, self.u, self.d, self.free = sigma, lo / (hi - lo), d, cache["free_scales"]
        self.M = (np.stack([W for W, _ in layers[1:d]]) if d > 1     # (d - 1, R, 4, 4)
                  else np.zeros((0,) + a.shape[:-1] + (4, 4)))
        self.layers = [layers[0]] + [(self.M[i], b) for i, (_, b) in enumerate(layers[1:d])] \
            + [layers[d]]

    def forward(self, params):
        """Returns (layers, cache) as :func:`~minregion.construction.weight_map_forward`."""
        sigma, u, d, M = self.sigma, self.u, self.d, self.M
        a, alpha, beta = params["a"], params["alpha"], params["beta"]
        S, s = scales(params)
        A, B, C = matrix_entries(a, S)
        offset = s.sum(axis=-1) if sigma < 0 else np.zeros(a.shape[:-1])
        b_in = self.layers[0][1]                                 # assemble_layers, in place
        b_in[..., 0], b_in[..., 2] = offset - u, -a[..., 0] - u
        Ai, Bi = A[..., :d - 1].T, B[..., :d - 1].T             # (d - 1, R): hidden_matrix
        M[..., 0, 1], M[..., 0, 2] = sigma * Ai, -sigma * Bi
        M[..., 1, 1], M[..., 1, 2] = Ai, -Bi
        M[..., 2, 1], M[..., 2, 2], M[..., 2, 3] = Ai, -Bi, -C.T
        M[..., 3, 3] = S[..., :d - 1].T
        W_out, b_out = self.layers[-1]
        W_out[..., 0, 0] = alpha
        W_out[..., 0, 1] = alpha * sigma * A[..., d - 1]
        W_out[..., 0, 2] = -alpha * sigma * B[..., d - 1]
        b_out[..., 0] = beta - alpha * offset
        cache = dict(a=a, S=S, s=s, A=A, B=B, alpha=alpha, offset=offset, sigma=sigma,
                     free_scales=self.free)
        return self.layers, cache


# --- the two phases -----------------------------------------------------------------------

def _adam_loop(p, g, epochs, lr, history, phase, loss_and_grads, after=None, record=None,
               verbose=0):
    """:func:`minregion.training.adam_loop` on one flat buffer ``p`` with gradients ``g``.

    ``loss_and_grads()`` fills ``g`` and returns the loss (R,); ``after()`` runs after every
    step (phase 1 projects the peaks). Raises ``TrainingDiverged`` like ``adam_loop``; the
    caller's arrays are only written after the last step, so a failure leaves them as they were.
    """
    schedule = lr if callable(lr) else (lambda t: lr)
    opt = FlatAdam(p.size, lr=schedule(0))
    for t in range(epochs):
        if record is not None:
            record(history.steps, False)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss = loss_and_grads()
        opt.lr = schedule(t)
        check_step(loss, [g], t, history.steps, phase, opt.lr)
        history.loss.append(loss)
        history.phase.append(phase)
        opt.step(p, g)
        if after is not None:
            after()
        if verbose and (t + 1) % verbose == 0:
            print(f"  {phase} step {t + 1:6d}/{epochs}: median loss {np.median(loss):.3e}")
    if record is not None:
        record(history.steps, True)


def train_raw(layers, x, y, epochs, lr=1e-3, lo=0.0, hi=1.0, record_every=0, history=None,
              verbose=0, chunk=CHUNK):
    """Phase 2 as :func:`minregion.training.train_raw`, the same numbers; ``layers`` with a
    runs axis (``W`` : ``(R, fan_out, fan_in)``), updated in place. Returns the History."""
    record_every, verbose, history = check_settings(epochs, lr, record_every, verbose, history)
    lo, hi = check_interval(lo, hi)
    runs = check_trained_layers(layers)
    if len(runs) != 1:
        raise ValueError(f"the fast step needs one runs axis on every W; got runs shape {runs}")
    history.check_runs(runs)
    arrays = [p for pair in layers for p in pair]
    X, Y = prepare_data(x, y, runs[0])
    p, views = flat_views([a.shape for a in arrays])
    g, gviews = flat_views([a.shape for a in arrays])
    for v, a in zip(views, arrays):
        v[...] = a
    pairs, gpairs = list(zip(views[::2], views[1::2])), list(zip(gviews[::2], gviews[1::2]))
    net = NetworkStep(pairs, X, Y, gpairs, chunk)
    due = every(record_every, history.steps)

    def loss_and_grads():
        loss = np.empty(runs[0])
        net(loss)
        return loss

    def record(step, done):
        if due(step, done):
            record_regions(history, pairs, step, lo, hi)

    _adam_loop(p, g, check_epochs(epochs), lr, history, "raw", loss_and_grads, record=record,
               verbose=verbose)
    for v, a in zip(views, arrays):
        a[...] = v
    return history


def train_constrained(params, x, y, sigma, epochs, lr=1e-3, lo=0.0, hi=1.0, record_every=0,
                      history=None, verbose=0, chunk=CHUNK):
    """Phase 1 as :func:`minregion.training.train_constrained`, the same numbers; ``params``
    with a runs axis, updated in place. Returns the History."""
    record_every, verbose, history = check_settings(epochs, lr, record_every, verbose, history)
    keys = check_trained_params(params)
    wmap, built = WeightMap(params, sigma, lo, hi), {}     # every parameter checked first
    runs = np.shape(params["alpha"])
    if len(runs) != 1:
        raise ValueError(f"the fast step needs one runs axis on every parameter; got {runs}")
    history.check_runs(runs)
    X, Y = prepare_data(x, y, runs[0])
    check_in_interval(X, lo, hi)
    p, views = flat_views([params[k].shape for k in keys])
    g, gviews = flat_views([params[k].shape for k in keys])
    for v, k in zip(views, keys):
        v[...] = params[k]
    mine = dict(zip(keys, views))
    _, netgrads = flat_views([a.shape for pair in wmap.layers for a in pair])
    gpairs = list(zip(netgrads[::2], netgrads[1::2]))
    net = NetworkStep(wmap.layers, X, Y, gpairs, chunk, constrained=True)
    due = every(record_every, history.steps)

    def weight_map():                 # once per step, for the region count and the loss
        if "step" not in built:
            built["step"] = wmap.forward(mine)
        return built["step"]

    def loss_and_grads():
        _, cache = weight_map()          # writes into wmap.layers, which net reads
        loss = np.empty(runs[0])
        net(loss)
        dparams = weight_map_backward(gpairs, cache)
        for gv, k in zip(gviews, keys):
            gv[...] = dparams[k]
        return loss

    def after():
        project_params(mine)
        built.clear()

    def record(step, done):
        if due(step, done):
            record_regions(history, weight_map()[0], step, lo, hi)

    _adam_loop(p, g, check_epochs(epochs), lr, history, "constrained", loss_and_grads,
               after=after, record=record, verbose=verbose)
    for v, k in zip(views, keys):
        params[k][...] = v
    return history
