"""The bugs a teaching assistant expects in each package blank, and rewrites that must pass.

``BUGS[id]`` and ``REWRITES[id]`` map a short description to the region's code written
another way: a list of ``(old, new)`` substitutions in the reference's solution (each ``old``
occurs exactly once in it), or the whole code of the region as a string (indented as at the
top of the function). ``tests/test_course.py`` proves, in the main suite, that every bug fails
its own chapter's unit tests and every rewrite passes the chapter's tests that call its
function by name (``course/bug_plugin.py`` runs them, one pytest process for many blanks).
A lecturer may add the bugs met in a class: the proof then covers them too.

``NOTEBOOK_BUGS[id]`` and ``NOTEBOOK_REWRITES[id]`` do the same for notebook exercises, in
the same forms (the code at the top level of the cell): the test runs the exercise's
notebook with the grader (``course/grade_notebook.py``) from its first cell to the exercise's
check (the code cells after it, up to the next text cell), the reference standing in every
other exercise; every bug must fail its exercise and every rewrite pass it.
"""
import textwrap

BUGS = {
    # --- ch01 ------------------------------------------------------------------------------
    "zero_crossings": {
        "the zero with the wrong sign": [("ref[:, None] - value", "ref[:, None] + value")],
        "the zero measured from 0, not from the cell's reference point":
            [("ref[:, None] - value", "-value")],
        "zeros at a cell's ends kept": [("(root <= xs[:-1, None]) | (root >= xs[1:, None])",
                                         "(root < xs[:-1, None]) | (root > xs[1:, None])")],
        "the ends of the cells swapped": [("(root <= xs[:-1, None]) | (root >= xs[1:, None])",
                                           "(root <= xs[1:, None]) | (root >= xs[:-1, None])")],
        "outside zeros left as NaN, not +inf": [("] = np.inf", "] = np.nan")],
        "a division by flat slopes too (inf and NaN, and Fractions fail)": """
            root = ref[:, None] - value / slope
            inside = (root > xs[:-1, None]) & (root < xs[1:, None])
            root = np.where(inside, root, np.inf)
        """,
    },
    "merge_equal_slopes": {
        "a jump equal to the tolerance starts a piece": [("jump > tol", "jump >= tol")],
        "region 0 not counted": [("np.ones(len(jump) + 1, bool)",
                                  "np.zeros(len(jump) + 1, bool)")],
        "the flags shifted by one region": [("new[1:] = jump > tol", "new[:-1] = jump > tol")],
        "the tolerance ignored": [("jump > tol", "jump > 0")],
    },
    # --- ch02 ------------------------------------------------------------------------------
    "tent_from_relus": {
        "the second ReLU without 1/a": [("/ (a * (1.0 - a))", "/ (1.0 - a)")],
        "the first ReLU without 1/a": [("np.maximum(y, 0.0) / a", "np.maximum(y, 0.0)")],
        "the ReLUs added": [("/ a - np.maximum", "/ a + np.maximum")],
        "the second ReLU switching at 1 - a": [("np.maximum(y - a, 0.0)",
                                                "np.maximum(y - (1.0 - a), 0.0)")],
    },
    "theorem31_ratios": {
        "the peaks shifted by one": [("(1.0 - a[..., 1:-1]) * a[..., 2:]",
                                      "(1.0 - a[..., :-2]) * a[..., 1:-1]")],
        "a_i and a_(i+1) swapped": [("(1.0 - a[..., 1:-1]) * a[..., 2:]",
                                     "a[..., 1:-1] * (1.0 - a[..., 2:])")],
        "S_0 = a_0 a_1 instead of s0": [("S[..., 0] = s0", "S[..., 0] = a[..., 0] * a[..., 1]")],
        "no runs axis (the first axis sliced)": [("S[..., 1:] = (1.0 - a[..., 1:-1]) * a[..., 2:]",
                                                  "S[1:] = (1.0 - a[1:-1]) * a[2:]")],
    },
    "matrix_entries": {
        "B without the factor 1 - a_i": [("B = S / (ai * (1.0 - ai))", "B = S / ai")],
        "C with a_i instead of a_(i+1)": [("C = S[..., : d - 1] * a[..., 1:d]",
                                           "C = S[..., : d - 1] * a[..., : d - 1]")],
        "A and B from a_(i+1)": [("ai = a[..., :d]", "ai = a[..., 1:]")],
        "C with one entry per ratio (d, not d - 1)": [("C = S[..., : d - 1] * a[..., 1:d]",
                                                       "C = S * a[..., 1:]")],
        "no runs axis (the first axis sliced)": [("ai = a[..., :d]", "ai = a[:d]")],
    },
    "hidden_matrix": {
        "sigma left out of row 0": [("sigma * A_i, -sigma * B_i", "A_i, -B_i")],
        "+C_i instead of -C_i": [("A_i, -B_i, -C_i", "A_i, -B_i, C_i")],
        "the scale carried as 1, not S_i": [("M[..., 3, 3] = S_i", "M[..., 3, 3] = 1.0")],
        "the running sum not carried": [("M[..., 0, 0] = 1.0\n", "")],
        "the matrix transposed": """
            M[..., 0, 0] = 1.0
            M[..., 1, 0], M[..., 2, 0] = sigma * A_i, -sigma * B_i
            M[..., 1, 1], M[..., 2, 1] = A_i, -B_i
            M[..., 1, 2], M[..., 2, 2], M[..., 3, 2] = A_i, -B_i, -C_i
            M[..., 3, 3] = S_i
        """,
    },
    # --- ch03 ------------------------------------------------------------------------------
    "dense_backward": {
        "dx without the transpose of W": [("np.swapaxes(W, -1, -2) @ dout", "W @ dout")],
        "dW = dout x, without the transpose": [("dout @ np.swapaxes(x, -1, -2)", "dout @ x")],
        "db summed over the wrong axis": [("dout.sum(axis=-1)", "dout.sum(axis=0)")],
        "db the mean, not the sum": [("dout.sum(axis=-1)", "dout.mean(axis=-1)")],
        "transposes with .T (the runs axis too)": [("np.swapaxes(W, -1, -2)", "W.T"),
                                                   ("np.swapaxes(x, -1, -2)", "x.T")],
        "dout zeroed in place after use": [("db = dout.sum(axis=-1)",
                                            "db = dout.sum(axis=-1)\ndout[...] = 0.0")],
    },
    "relu_backward": {
        "the mask taken from dout, not from z": [("dout * on", "dout * (dout > 0)")],
        "ReLU applied to the gradient": [("dout * on", "np.maximum(dout, 0.0)")],
        "the mask inverted": [("dout * on", "dout * ~on")],
        "dout masked in place": "dout[~on] = 0.0\ndz = dout",
    },
    "mse_backward": {
        "without the factor 2": [("* 2.0 * r / n", "* r / n")],
        "the sign of the residual flipped": [("* 2.0 * r / n", "* -2.0 * r / n")],
        "without the 1/n": [("* 2.0 * r / n", "* 2.0 * r")],
        "divided by every entry of all runs": [("* 2.0 * r / n", "* 2.0 * r / r.size")],
        "the upstream gradient ignored": "dpred = 2.0 * r / n",
    },
    "mlp_backward": {
        "no ReLU backward": [("dz = dh if relu_cache is None else relu_backward(dh, relu_cache)",
                              "dz = dh")],
        "the layers walked forward": [("reversed(caches)", "caches")],
        "dh not carried to the layer below": [("dh, dW, db = dense_backward(dz, dense_cache)",
                                               "_, dW, db = dense_backward(dz, dense_cache)")],
        "grads put first to last twice (the order reversed)": [("grads.append((dW, db))",
                                                                "grads.insert(0, (dW, db))")],
    },
    "adam_step": {
        "no bias correction": [("(m / c1) / (np.sqrt(v / c2) + self.eps)",
                                "m / (np.sqrt(v) + self.eps)")],
        "eps inside the square root": [("np.sqrt(v / c2) + self.eps", "np.sqrt(v / c2 + self.eps)")],
        "v from g, not g squared": [("(1.0 - self.beta2) * g * g", "(1.0 - self.beta2) * g")],
        "the moments rebound, not updated in place": """
            c1 = 1.0 - self.beta1 ** self.t
            c2 = 1.0 - self.beta2 ** self.t
            m = self.beta1 * m + (1.0 - self.beta1) * g
            v = self.beta2 * v + (1.0 - self.beta2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
        """,
        "a step up the gradient": [("p -= self.lr", "p += self.lr")],
        "the bias corrected with beta1 for both moments": [("1.0 - self.beta2 ** self.t",
                                                            "1.0 - self.beta1 ** self.t")],
    },
    # --- ch04 ------------------------------------------------------------------------------
    "entries_backward": {
        "sigma left out of dL/dA": [("gA[..., i] = sigma * G[..., 0, 1]", "gA[..., i] = G[..., 0, 1]")],
        "dL/dB with a plus sign": [("gB[..., i] = -(sigma * G[..., 0, 2] + G[..., 1, 2] + "
                                    "G[..., 2, 2])", "gB[..., i] = sigma * G[..., 0, 2] + "
                                    "G[..., 1, 2] + G[..., 2, 2]")],
        "dL/dC with a plus sign": [("gC[..., i] = -G[..., 2, 3]", "gC[..., i] = G[..., 2, 3]")],
        "dL/dA read from G transposed": [("sigma * G[..., 0, 1] + G[..., 1, 1] + G[..., 2, 1]",
                                          "sigma * G[..., 1, 0] + G[..., 1, 1] + G[..., 1, 2]")],
        "dL/dalpha without the offset's part": [(" - offset * db_out)", ")")],
        "dL/doffset without the output bias's part": [("db_in[..., 0] - alpha * db_out",
                                                       "db_in[..., 0]")],
        "dL/da_0 with the wrong sign": [("g_a[..., 0] -= db_in[..., 2]",
                                         "g_a[..., 0] += db_in[..., 2]")],
    },
    "entries_to_ratios_backward": {
        "dB/da without q' = 1 - 2 a_i": [("g[\"B\"] * S * dq / q**2", "g[\"B\"] * S / q**2")],
        "dA/da with a plus sign": [("-g[\"A\"] * S / ai**2", "g[\"A\"] * S / ai**2")],
        "dC/da given to a_i, not a_(i+1)": [("g[\"a\"][..., 1:d] += g[\"C\"]",
                                             "g[\"a\"][..., : d - 1] += g[\"C\"]")],
        "dC/dS with a_i, not a_(i+1)": [("g[\"C\"] * a[..., 1:d]",
                                         "g[\"C\"] * a[..., : d - 1]")],
        "C's gradients left out": [("g[\"S\"][..., : d - 1] += g[\"C\"] * a[..., 1:d]\n", ""),
                                   ("g[\"a\"][..., 1:d] += g[\"C\"] * S[..., : d - 1]\n", "")],
    },
    "offset_backward": {
        "sigma ignored": "g_s += g_offset[..., None]",
        "the branch for sigma = +1": [("if sigma < 0:", "if sigma > 0:")],
        "the offset's gradient times s": [("g_s += g_offset[..., None]",
                                           "g_s += g_offset[..., None] * s")],
    },
    "cumprod_backward": {
        "a prefix sum, not a suffix sum": [("np.flip(np.cumsum(np.flip(g_s * s, -1), -1), -1)",
                                            "np.cumsum(g_s * s, -1)")],
        "without the division by S": [(" / S", "")],
        "g_s without the factor s": [("g_s * s", "g_s")],
        "the suffix sum missing its own term": [("np.flip(np.cumsum(np.flip(g_s * s, -1), -1), -1)",
                                                 "(np.flip(np.cumsum(np.flip(g_s * s, -1), -1), -1)"
                                                 " - g_s * s)")],
        "the sum over the runs axis": [("np.cumsum(np.flip(g_s * s, -1), -1)",
                                        "np.cumsum(np.flip(g_s * s, -1), 0)")],
    },
    "theorem31_backward": {
        "the two signs swapped": [("g_a[..., 1:d] -= ", "g_a[..., 1:d] += "),
                                  ("g_a[..., 2:] += ", "g_a[..., 2:] -= ")],
        "the peaks shifted by one": [("g_a[..., 1:d] -= gS[..., 1:] * a[..., 2:]",
                                      "g_a[..., : d - 1] -= gS[..., 1:] * a[..., 2:]")],
        "a new g_a, not the caller's": """
            g_a = g_a.copy()
            g_a[..., 1:d] -= gS[..., 1:] * a[..., 2:]
            g_a[..., 2:] += gS[..., 1:] * (1.0 - a[..., 1:d])
            g_s0 = gS[..., 0]
        """,
        "dL/ds0 summed over every ratio": [("g_s0 = gS[..., 0]", "g_s0 = gS.sum(axis=-1)")],
    },
    # --- ch05 ------------------------------------------------------------------------------
    "project_params": {
        "the scales also capped at 1": [("np.maximum(params[key], min_scale, out=params[key])",
                                         "np.clip(params[key], min_scale, 1.0, out=params[key])")],
        "the margin ignored": [("np.clip(params[\"a\"], margin, 1.0 - margin, out=params[\"a\"])",
                                "np.clip(params[\"a\"], 0.0, 1.0, out=params[\"a\"])")],
        "the scales not projected": [("np.maximum(params[key], min_scale, out=params[key])\n", "")],
        "new arrays, while the optimiser keeps the old ones": """
            params["a"] = np.clip(params["a"], margin, 1.0 - margin)
            key = "S" if uses_free_scales(params) else "s0"
            params[key] = np.maximum(params[key], min_scale)
        """,
        "always s0, even with free ratios": [("key = \"S\" if uses_free_scales(params) else \"s0\"",
                                              "key = \"s0\"")],
    },
    "constrained_loss_and_grads": {
        "sigma dropped (every target taken as convex)": [("weight_map_forward(params, sigma, lo, hi)",
                                                          "weight_map_forward(params)")],
        "the interval dropped (always [0, 1])": [("weight_map_forward(params, sigma, lo, hi)",
                                                  "weight_map_forward(params, sigma)")],
        "the MSE's gradient halved": [("mse_backward(1.0, mcache)", "mse_backward(0.5, mcache)")],
        "the gradient of the weights, not of the parameters": [
            ("grads = weight_map_backward(wgrads, wcache)",
             "grads = dict(zip(sorted(params), [g[0] for g in wgrads]))")],
    },
    # --- ch07 ------------------------------------------------------------------------------
    "difference_backward": {
        "half 2 gets +dout (the minus sign of f = g1 - g2 lost)": [("-dout[..., None, :]",
                                                                   "dout[..., None, :]")],
        "half 1 given half 2's cache": [("cache[0]", "cache[1]")],
        "half 1's gradient halved": [("mlp_backward(dout", "mlp_backward(0.5 * dout")],
        "the halves swapped in the list": [("g1, _ = mlp_backward(dout", "g2, _ = mlp_backward(dout"),
                                           ("g2, _ = mlp_backward(-dout", "g1, _ = mlp_backward(-dout")],
    },
    # --- ch08 ------------------------------------------------------------------------------
    "curvature_knots": {
        "the sup rule's exponent 1/2, not 2/5": [("f2 ** 0.4 +", "f2 ** 0.5 +"),
                                                 ("f2.max() ** 0.4", "f2.max() ** 0.5")],
        "f' instead of f'' (one gradient)": [
            ("np.gradient(np.gradient(f(x), x, edge_order=2), x, edge_order=2)",
             "np.gradient(f(x), x, edge_order=2)")],
        "a left Riemann sum instead of the trapezoid rule": [
            ("0.5 * (density[1:] + density[:-1])", "density[:-1]")],
        "the interval ignored (always [0, 1])": [("np.linspace(lo, hi, grid)",
                                                  "np.linspace(0.0, 1.0, grid)")],
        "equally spaced knots (the cumulative integral unused)": [
            ("np.interp(np.linspace(0.0, cdf[-1], pieces + 1), cdf, x)",
             "np.linspace(lo, hi, pieces + 1)")],
    },
    "spline_floor": {
        "the knots on [0, 1], not on the points' range": [
            ("curvature_knots(f, pieces, x.min(), x.max())", "curvature_knots(f, pieces)")],
        "the interpolant at the knots, not the least-squares fit": [
            ("coef, *_ = np.linalg.lstsq(basis, y, rcond=None)", "coef = f(knots)")],
        "the root of the MSE": [("float(np.mean((basis @ coef - y) ** 2))",
                                 "float(np.sqrt(np.mean((basis @ coef - y) ** 2)))")],
        "the first hat function left out": [("for j in range(len(knots))",
                                             "for j in range(1, len(knots))")],
    },
    "mirror_bound": {
        "without the factor a0 (1 - a0)": [("a0 * (1.0 - a0) * np.sum(", "np.sum(")],
        "no best c (alpha not fitted)": [("c = np.sum(w * D * u) / np.sum(w * u * u)", "c = 0.0")],
        "the right half read forwards": [("f(1.0 - (1.0 - a0) * t)", "f(a0 + (1.0 - a0) * t)")],
        "the quadrature weights left out": [("np.sum(w * (D - c * u) ** 2)",
                                             "np.mean((D - c * u) ** 2)")],
    },
}

REWRITES = {
    "zero_crossings": {
        "masks and np.where": """
            root = np.full(slope.shape, np.inf, dtype=slope.dtype)
            flat = slope == 0
            safe = np.where(flat, 1, slope)
            zero = ref[:, None] - value / safe
            keep = ~flat & (zero > xs[:-1, None]) & (zero < xs[1:, None])
            root[keep] = zero[keep]
        """,
        "dividing only the entries with a slope (np.nonzero)": """
            root = np.full(slope.shape, np.inf, dtype=slope.dtype)
            p, k = np.nonzero(slope)
            root[p, k] = ref[p] - value[p, k] / slope[p, k]
            inside = (root > xs[:-1, None]) & (root < xs[1:, None])
            root[~inside] = np.inf
        """,
    },
    "merge_equal_slopes": {
        "np.concatenate": "new = np.concatenate(([True], jump > tol))",
        "a loop": """
            new = np.zeros(len(jump) + 1, dtype=bool)
            new[0] = True
            for k in range(len(jump)):
                new[k + 1] = bool(jump[k] > tol[k])
        """,
    },
    "tent_from_relus": {
        "1/a factored out": "out = (np.maximum(y, 0.0) - np.maximum(y - a, 0.0) / (1.0 - a)) / a",
        "np.clip for the ReLUs": "out = np.clip(y, 0.0, None) / a - np.clip(y - a, 0.0, None) "
                                 "/ (a * (1.0 - a))",
    },
    "theorem31_ratios": {
        "a loop over the ratios": """
            S[..., 0] = s0
            for i in range(1, S.shape[-1]):
                S[..., i] = (1.0 - a[..., i]) * a[..., i + 1]
        """,
    },
    "matrix_entries": {
        "q_i named": """
            ai, anext = a[..., :d], a[..., 1:]
            q = ai * (1.0 - ai)
            A, B = S / ai, S / q
            C = (S * anext)[..., : d - 1]
        """,
    },
    "hidden_matrix": {
        "rows from stacks": """
            zero, one = np.zeros_like(A_i), np.ones_like(A_i)
            M[...] = np.stack([
                np.stack([one, sigma * A_i, -sigma * B_i, zero], -1),
                np.stack([zero, A_i, -B_i, zero], -1),
                np.stack([zero, A_i, -B_i, -C_i], -1),
                np.stack([zero, zero, zero, S_i], -1)], -2)
        """,
    },
    "dense_backward": {
        "einsum": """
            dx = np.einsum("...ij,...in->...jn", W, dout)
            dW = np.einsum("...in,...jn->...ij", dout, x)
            db = np.sum(dout, axis=-1)
        """,
        "np.matmul and swapaxes methods": [("np.swapaxes(W, -1, -2) @ dout",
                                            "np.matmul(W.swapaxes(-1, -2), dout)")],
    },
    "relu_backward": {
        "np.where": "dz = np.where(on, dout, 0.0)",
    },
    "mse_backward": {
        "the factors in another order": "dpred = 2.0 * r * (np.asarray(dloss)[..., None] / n)",
    },
    "mlp_backward": {
        "an index loop": """
            for l in range(len(caches) - 1, -1, -1):
                dense_cache, relu_cache = caches[l]
                if relu_cache is not None:
                    dh = relu_backward(dh, relu_cache)
                dh, dW, db = dense_backward(dh, dense_cache)
                grads.append((dW, db))
        """,
    },
    "adam_step": {
        "slices assigned, bias-corrected moments named": """
            m[...] = self.beta1 * m + (1.0 - self.beta1) * g
            v[...] = self.beta2 * v + (1.0 - self.beta2) * g**2
            m_hat = m / (1.0 - self.beta1 ** self.t)
            v_hat = v / (1.0 - self.beta2 ** self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        """,
    },
    "entries_backward": {
        "the output row unpacked first": [("G_out, db_out = grads[-1][0][..., 0, :], "
                                           "grads[-1][1][..., 0]",
                                           "W_grad, b_grad = grads[-1]\n"
                                           "G_out, db_out = W_grad[..., 0, :], b_grad[..., 0]")],
    },
    "entries_to_ratios_backward": {
        "new arrays put into the dict": """
            ai = a[..., :d]
            q = ai * (1.0 - ai)
            gS = g["S"] + g["A"] / ai + g["B"] / q
            gS[..., : d - 1] += g["C"] * a[..., 1:d]
            ga = g["a"].copy()
            ga[..., :d] -= g["A"] * S / ai**2 + g["B"] * S * (1.0 - 2.0 * ai) / q**2
            ga[..., 1:d] += g["C"] * S[..., : d - 1]
            g["S"], g["a"] = gS, ga
        """,
    },
    "offset_backward": {
        "a factor for sigma": "g_s = g_s + (1.0 if sigma < 0 else 0.0) * g_offset[..., None]",
    },
    "cumprod_backward": {
        "reversed slices": "gS = np.cumsum((g_s * s)[..., ::-1], axis=-1)[..., ::-1] / S",
    },
    "theorem31_backward": {
        "a loop over the ratios": """
            for i in range(1, d):
                g_a[..., i] -= gS[..., i] * a[..., i + 1]
                g_a[..., i + 1] += gS[..., i] * (1.0 - a[..., i])
            g_s0 = gS[..., 0].copy()
        """,
    },
    "project_params": {
        "slices assigned": """
            params["a"][...] = np.clip(params["a"], margin, 1.0 - margin)
            key = "S" if "S" in params else "s0"
            params[key][...] = np.maximum(params[key], min_scale)
        """,
    },
    "constrained_loss_and_grads": {
        "through raw_loss_and_grads": """
            layers, wcache = weight_map_forward(params, sigma, lo, hi)
            loss, wgrads = raw_loss_and_grads(layers, X, Y)
            grads = weight_map_backward(wgrads, wcache)
        """,
    },
    "difference_backward": {
        "np.expand_dims, and the minus on the gradients' input": """
            g1, _ = mlp_backward(np.expand_dims(dout, -2), cache[0])
            g2, _ = mlp_backward(np.expand_dims(-dout, -2), cache[1])
        """,
    },
    "curvature_knots": {
        "the cumulative integral with np.cumsum of the midpoints, the knots by np.interp": """
            x = np.linspace(lo, hi, grid)
            second = np.gradient(np.gradient(f(x), x, edge_order=2), x, edge_order=2)
            rho = np.abs(second) ** 0.4
            rho = rho + 1e-12 * (rho.max() + 1e-300)
            cdf = np.zeros(grid)
            cdf[1:] = np.cumsum(np.diff(x) * (rho[1:] + rho[:-1]) / 2)
            levels = np.linspace(0.0, cdf[-1], pieces + 1)
            return np.interp(levels, cdf, x)
        """,
    },
    "spline_floor": {
        "the hats as one np.interp per column of an identity, by a list": """
            knots = curvature_knots(f, pieces, np.min(x), np.max(x))
            hats = np.column_stack([np.interp(x, knots, e) for e in np.eye(pieces + 1)])
            values = np.linalg.lstsq(hats, f(x), rcond=None)[0]
            residual = hats @ values - f(x)
            return float(residual @ residual / len(x))
        """,
    },
    "mirror_bound": {
        "dot products": """
            t, w = _quadrature(nodes)
            D = f(a0 * t) - f(1.0 - (1.0 - a0) * t)
            u = t - 1.0
            c = np.dot(w * u, D) / np.dot(w * u, u)
            r = D - c * u
            return float(a0 * (1.0 - a0) * np.dot(w, r * r))
        """,
    },
}

NOTEBOOK_BUGS = {
    "ex01_1": {
        "exact slope equality (no tolerance)": [("jumps > slope_tol", "jumps > 0")],
        "the distinct slopes counted (np.unique)": [
            ("pieces_b = 1 + int(np.sum(jumps > slope_tol))", "pieces_b = len(np.unique(slopes))")],
        "the rise without the run": [("np.diff(y_edges) / np.diff(edges)", "np.diff(y_edges)")],
    },
    "nb05_step": {
        "no projection after the Adam step": [("project_params(params)\n", "")],
        "the projection before the Adam step": [
            ("opt.step([grads[k] for k in keys])\n    project_params(params)",
             "project_params(params)\n    opt.step([grads[k] for k in keys])")],
        "the MSE's gradient not given back its output axis": [("[:, None, :]", "")],
        "the interval forgotten": [("weight_map_forward(params, sigma, lo, hi)",
                                    "weight_map_forward(params, sigma)")],
    },
    "nb07_difference_backward": {
        "half 2 gets +dout": [("-dout[:, None, :]", "dout[:, None, :]")],
        "half 1 given half 2's cache": [("cache[0]", "cache[1]")],
    },
    "nb08_knots": {
        "the exponent 1/2 whatever the power": [("f2 ** power + 1e-12", "f2 ** 0.5 + 1e-12")],
        "the interpolant at the knots, not the least-squares fit": [
            ("values, *_ = np.linalg.lstsq(hats, y, rcond=None)",
             "values = np.interp(knots, x, y)")],
    },
}

NOTEBOOK_REWRITES = {
    "ex01_1": {
        "slices and a generator": """
            slopes = (y_edges[1:] - y_edges[:-1]) / (edges[1:] - edges[:-1])
            tol = 1e-13 * np.abs(slopes).max()
            pieces_b = 1 + sum(abs(b - a) > tol for a, b in zip(slopes[:-1], slopes[1:]))
        """,
    },
    "nb05_step": {
        "through constrained_loss_and_grads": """
            def phase1_step(params, opt, keys, X, Y, sigma, lo=0.0, hi=1.0):
                loss, grads = constrained_loss_and_grads(params, X, Y, sigma, lo, hi)
                opt.step([grads[k] for k in keys])
                project_params(params)
                return loss, grads
        """,
    },
    "nb07_difference_backward": {
        "the package's form, for any leading axes": """
            grads1, _ = mlp_backward(dout[..., None, :], cache[0])
            grads2, _ = mlp_backward(-dout[..., None, :], cache[1])
        """,
    },
    "nb08_knots": {
        "the trapezoid rule written the other way round": [
            ("0.5 * (density[1:] + density[:-1]) * np.diff(xs)",
             "np.diff(xs) * (density[1:] + density[:-1]) / 2")],
    },
}


def variant_lines(solution, variant, indent):
    """The region's code for a variant: ``solution`` (its lines) with the substitutions made,
    or the variant's own code at ``indent``. Raises ValueError when a substitution does not
    find its text exactly once."""
    if isinstance(variant, str):
        body = textwrap.dedent(variant).strip("\n") + "\n"
        return [indent + line if line.strip() else line
                for line in body.splitlines(keepends=True)]
    lines = list(solution)
    for old, new in variant:
        if old.endswith("\n") and not new:          # a whole line left out
            hits = [k for k, line in enumerate(lines) if line.strip() == old.strip()]
            if len(hits) != 1:
                raise ValueError(f"the line {old.strip()!r} occurs {len(hits)} times in the "
                                 "solution, not once")
            del lines[hits[0]]
            continue
        text = "".join(lines)
        if text.count(old) != 1:
            raise ValueError(f"{old!r} occurs {text.count(old)} times in the solution, not once")
        lines = text.replace(old, new.replace("\n", "\n" + indent)).splitlines(keepends=True)
    return lines
