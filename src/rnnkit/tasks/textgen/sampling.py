"""Generation: step the model one token at a time and sample the next token.

Two steppers give the logits of the next token after feeding one token:

- `ReferenceStepper`: the straightforward path, `model(token[None, None], state)`. It is
  the oracle. A single-step `torch.nn.LSTM` call spends ~160 µs per layer setting up
  oneDNN on this CPU, so it manages only a few thousand characters per second.
- `FastLSTMStepper`: the same equations in float32 numpy with every constant folded
  ahead of time, about a dozen small array operations per layer and step:

      layer 0:  a = T[token] + W_hh0 h0          T = Embed W_ih0^T + b_ih0 + b_hh0, (V, 4H)
      layer l:  a = W_l [h_{l-1}; h_l] + b_l     W_l = [W_ih_l  W_hh_l], (4H, 2H)
      all:      s = sigmoid(a')                  a' = a with the g rows doubled
                i, f, o = s_i, s_f, s_o;  g = 2 s_g - 1 = tanh(a_g)
                c = f * c + i * g;  h = o * tanh(c)
      output:   logits = W_out h_L + b_out

  The weights are stored negated, so that sigmoid(a) = 1 / (1 + exp(W' x)) needs no
  separate negation. tests/tasks/test_textgen_sampling.py checks the logits against
  `ReferenceStepper` to 1e-5 and the samples against it with a chi-square test.

`sample_from_logits` turns logits into one token id (temperature, top-k, top-p) and is
shared by both steppers, so the two paths draw from the same distribution whenever
their logits agree. Letters: V vocabulary, H hidden size, L layers.
"""

from __future__ import annotations

from typing import Iterator, Protocol, Sequence

import numpy as np
import torch

from rnnkit.tasks.textgen.model import LanguageModel


class Stepper(Protocol):
    vocab_size: int

    def reset(self) -> None: ...
    def feed(self, token: int) -> np.ndarray: ...


def check_sampling_args(temperature: float, top_k: int | None, top_p: float | None) -> None:
    """Raise a ValueError naming the flag when a sampling setting is out of range."""
    if not isinstance(temperature, (int, float)) or isinstance(temperature, bool) or not temperature > 0:
        raise ValueError(f"--temperature: expected a number > 0, got {temperature!r}")
    if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"--top-k: expected an integer >= 1, got {top_k!r}")
    if top_p is not None and (not isinstance(top_p, (int, float)) or not 0.0 < top_p <= 1.0):
        raise ValueError(f"--top-p: expected a number in (0, 1], got {top_p!r}")


def next_token_probs(logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None,
                     top_p: float | None = None) -> np.ndarray:
    """The sampling distribution (V,) float64: softmax(logits / T), cut to top-k and/or top-p."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = np.exp(z - z.max())
    if top_k is not None and top_k < len(z):
        z[np.argsort(-z, kind="stable")[top_k:]] = 0.0
    if top_p is not None and top_p < 1.0:
        order = np.argsort(-z, kind="stable")
        csum = np.cumsum(z[order])
        # Keep the smallest prefix whose mass reaches top_p (at least one token).
        keep = int(np.searchsorted(csum, top_p * csum[-1])) + 1
        z[order[keep:]] = 0.0
    return z / z.sum()


def sample_from_logits(logits: np.ndarray, rng: np.random.Generator, temperature: float = 1.0,
                       top_k: int | None = None, top_p: float | None = None) -> int:
    """One token id drawn from `next_token_probs` (inverse CDF with one uniform draw)."""
    if top_k is None and top_p is None:
        # Fast path of the same computation: a handful of numpy calls on V floats.
        z = logits * (1.0 / temperature) if temperature != 1.0 else logits
        cdf = np.cumsum(np.exp(z - z.max(), dtype=np.float64))
    else:
        cdf = np.cumsum(next_token_probs(logits, temperature, top_k, top_p))
    i = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
    return min(i, len(cdf) - 1)


class ReferenceStepper:
    """The oracle: one `model(token, state)` call per token, in float32 torch."""

    def __init__(self, model: LanguageModel) -> None:
        self.model = model.eval()
        self.state = None
        self.vocab_size = model.config.vocab_size

    def reset(self) -> None:
        self.state = None

    @torch.inference_mode()
    def feed(self, token: int) -> np.ndarray:
        x = torch.tensor([[token]], dtype=torch.long)           # (1, 1)
        logits, self.state = self.model(x, self.state)          # (1, 1, V)
        return logits[0, 0].float().numpy().copy()              # (V,)


def _lstm_weights(model: LanguageModel) -> list[dict[str, np.ndarray]]:
    """Per layer: torch.nn.LSTM-named float32 arrays, as numpy."""
    sd = {k: v.detach().float().cpu().numpy() for k, v in model.rnn.state_dict().items()}
    layers = []
    for l in range(model.config.num_layers):
        d = {k: sd[f"{k}_l{l}"] for k in ("weight_ih", "weight_hh")}
        for k in ("bias_ih", "bias_hh"):
            d[k] = sd.get(f"{k}_l{l}", np.zeros(d["weight_ih"].shape[0], np.float32))
        layers.append(d)
    return layers


class FastLSTMStepper:
    """LSTM language-model steps in numpy with precomputed tables and buffers (see module doc).

    All hidden states live in one buffer `hb = [h_0; h_1; ...; h_{L-1}; 1]`, so layer l
    reads its input [h_{l-1}; h_l] as one contiguous slice with no copying, and the top
    layer and the output layer get their bias from the trailing 1 (an extra weight column).
    Gate rows are reordered to i, f, o, g so that one tanh covers all four gates:
    sigmoid(a) = 0.5 tanh(a / 2) + 0.5, with the 1/2 folded into the i, f, o weight rows.
    """

    def __init__(self, model: LanguageModel) -> None:
        cfg = model.config
        if cfg.cell != "lstm":
            raise ValueError(f"model: FastLSTMStepper needs cell='lstm', got {cfg.cell!r}")
        H, L = cfg.hidden_size, cfg.num_layers
        self.H, self.L = H, L
        # Torch order i, f, g, o -> ours i, f, o, g; halve the sigmoid rows.
        perm = np.concatenate([np.arange(0, 2 * H), np.arange(3 * H, 4 * H), np.arange(2 * H, 3 * H)])
        scale = np.ones((4 * H, 1), np.float32)
        scale[:3 * H] = 0.5

        def rows(w: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray((w[perm] * (scale if w.ndim == 2 else scale[:, 0])).astype(np.float32))

        layers = _lstm_weights(model)
        emb = model.embedding.weight.detach().float().cpu().numpy()            # (V, E)
        l0 = layers[0]
        self.table = rows((emb @ l0["weight_ih"].T + l0["bias_ih"] + l0["bias_hh"]).T).T.copy()  # (V, 4H)
        self.hb = np.zeros(L * H + 1, np.float32)                              # [h_0; ...; h_{L-1}; 1]
        self.hb[-1] = 1.0
        self.c = [np.zeros(H, np.float32) for _ in range(L)]
        self.a = [np.empty(4 * H, np.float32) for _ in range(L)]
        self.tmp = np.empty(H, np.float32)
        self.layers = []  # per layer: (W, input slice of hb, bias or None, a, i, f, o, g, c, h)
        for l, d in enumerate(layers):
            if l == 0:
                w, x, b = rows(d["weight_hh"]), self.hb[:H], self.table        # (4H, H)
            else:
                w = np.concatenate([d["weight_ih"], d["weight_hh"]], 1)         # (4H, 2H)
                b = d["bias_ih"] + d["bias_hh"]                                 # (4H,)
                if l == L - 1:  # the trailing 1 of hb carries the bias
                    w, x, b = rows(np.concatenate([w, b[:, None]], 1)), self.hb[(l - 1) * H:], None  # (4H, 2H + 1)
                else:
                    w, x, b = rows(w), self.hb[(l - 1) * H:(l + 1) * H], rows(b)
            a = self.a[l]
            self.layers.append((w, x, b, a, a[:3 * H], a[:H], a[H:2 * H], a[2 * H:3 * H], a[3 * H:],
                                self.c[l], self.hb[l * H:(l + 1) * H]))
        w_out = model.decoder.weight.detach().float().cpu().numpy()             # (V, H)
        b_out = model.decoder.bias.detach().float().cpu().numpy()               # (V,)
        self.w_out = np.ascontiguousarray(np.concatenate([w_out, b_out[:, None]], 1))  # (V, H + 1)
        self.x_out = self.hb[(L - 1) * H:]                                       # [h_{L-1}; 1]
        self.logits = np.empty(len(b_out), np.float32)
        self.vocab_size = len(b_out)

    def reset(self) -> None:
        self.hb[:-1] = 0.0
        for c in self.c:
            c[:] = 0.0

    def feed(self, token: int) -> np.ndarray:
        """Feed one token id; return the logits (V,) of the next token (a reused buffer)."""
        dot, tanh, mul, tmp = np.dot, np.tanh, np.multiply, self.tmp
        for w, x, b, a, ifo, i, f, o, g, c, h in self.layers:
            dot(w, x, out=a)                            # (4H,) pre-activations, i f o halved
            if b is self.table:
                a += b[token]                           # layer 0: bias is in the embedding table
            elif b is not None:
                a += b                                  # middle layers (the top layer's bias is inside w)
            tanh(a, out=a)
            ifo *= 0.5
            ifo += 0.5                                  # sigmoid(i, f, o); g = tanh(a_g)
            c *= f
            mul(i, g, out=tmp)
            c += tmp                                    # c = f c + i g
            tanh(c, out=tmp)
            mul(o, tmp, out=h)                          # h = o tanh(c), written into hb
        return dot(self.w_out, self.x_out, out=self.logits)

    def state(self) -> tuple[np.ndarray, np.ndarray]:
        """(h, c) as (L, H) arrays, for comparison with the reference."""
        return self.hb[:-1].reshape(self.L, self.H).copy(), np.stack(self.c)


class GumbelSampler:
    """Plain temperature sampling as argmax(logits + T * Gumbel noise), noise drawn in blocks.

    argmax(z / T + G) with G i.i.d. standard Gumbel is an exact draw from softmax(z / T)
    (the Gumbel-max trick), and argmax(z + T G) is the same token; drawing G for many
    steps at once leaves two numpy calls per token.
    """

    def __init__(self, vocab_size: int, temperature: float, rng: np.random.Generator, steps: int = 1 << 30) -> None:
        self.V, self.T, self.rng = vocab_size, float(temperature), rng
        self.rows = max(1, min(steps, (1 << 18) // vocab_size))  # at most 1 MB of noise at a time
        self.noise = np.empty((0, vocab_size), np.float32)
        self.k = 0
        self.buf = np.empty(vocab_size, np.float32)

    def __call__(self, logits: np.ndarray) -> int:
        if self.k == len(self.noise):
            self.noise = (self.rng.gumbel(size=(self.rows, self.V)) * self.T).astype(np.float32)
            self.k = 0
        np.add(logits, self.noise[self.k], out=self.buf)
        self.k += 1
        return int(self.buf.argmax())


def make_stepper(model: LanguageModel, fast: bool = True) -> Stepper:
    """The fast numpy stepper where it exists (LSTM on CPU), else the reference one."""
    if fast and model.config.cell == "lstm":
        return FastLSTMStepper(model)
    return ReferenceStepper(model)


def generate_ids(stepper: Stepper, prime: Sequence[int], length: int, *, temperature: float = 1.0,
                 top_k: int | None = None, top_p: float | None = None, seed: int | None = None,
                 fast_sampler: bool = True) -> Iterator[int]:
    """Feed `prime` (at least one id), then yield `length` sampled ids one at a time.

    Without top-k / top-p, `fast_sampler` draws with `GumbelSampler`; otherwise (or with
    fast_sampler=False) each token comes from `sample_from_logits` (inverse CDF).
    """
    check_sampling_args(temperature, top_k, top_p)
    if not isinstance(length, int) or length < 0:
        raise ValueError(f"--length: expected an integer >= 0, got {length!r}")
    if len(prime) == 0:
        raise ValueError("--prime: expected at least one token to start from, got an empty prime")
    rng = np.random.default_rng(seed)
    if fast_sampler and top_k is None and top_p is None:
        draw = GumbelSampler(stepper.vocab_size, temperature, rng, length)
    else:
        def draw(logits: np.ndarray) -> int:
            return sample_from_logits(logits, rng, temperature, top_k, top_p)
    stepper.reset()
    for t in prime:
        logits = stepper.feed(int(t))
    for _ in range(length):
        token = draw(logits)
        yield token
        logits = stepper.feed(token)
