"""
One training step of the page's default two-tower model, written in PyTorch, to time the page against a
native framework on the same machine and thread count (the bench reports `wasmVsPytorch` = the page's
examples/s divided by this script's).

    /usr/bin/python3 bench/twotower.py [--threads 1,2] [--batch 512] [--dim 32] [--heads 2] [--layers 1]
                                       [--history 20] [--blas-library PATH] [--device cuda] > result.json

Prints one JSON object on stdout (torch and Python versions, the BLAS library actually loaded, the config,
and per thread count the step latency and the throughput); progress goes to stderr. Without torch it
prints {"skipped": "<reason>"} and exits 0.

The arithmetic per step follows the page (src/model/tower.ts, twoTower.ts, twoTower.loss.ts, train.ts):
- Two towers. The query tower reads `user_fields` tokens from the user table and `history` tokens from
  the item table (the user's recent items, row 0 = no item = an absent token) with a learned position
  embedding [history, dim] added to the history slots. The item tower reads `item_fields` tokens from the
  item table. All fields are single-valued here (the page averages the rows of a multi-valued field).
- Per tower: `layers` blocks of multi-head self-attention (q, k, v, o projections dim × dim without bias,
  scaled dot product, key bias -1e4 for absent tokens, their rows of the attention zeroed, residual and
  layer norm with eps 1e-5), attention pooling with a learned query [dim, 1] (softmax over tokens of
  x.q / sqrt(dim), absent tokens masked), the weighted sum, an MLP (dim -> mlp_hidden, relu -> dim, with
  biases), L2 normalisation.
- Loss: in-batch softmax, logits = u.v^T / temperature - logQ[item], accidental hits (same item, j != i)
  set to -1e9, cross-entropy with the diagonal as the positive, mean over the batch.
- Optimiser: the page gives the embedding tables a lazy Adam on the rows the batch uses and the dense
  weights Adam. Here the tables are `nn.Embedding(sparse=True)` updated by `torch.optim.SparseAdam`
  (the same lazy update as the page's LazyAdam: moments of untouched rows stay as they are, the step
  size lr * sqrt(1 - beta2^t) / (1 - beta1^t) applied to m / (sqrt(v) + eps)) and the rest
  `torch.optim.Adam` (the same formula as tfjs's `tf.train.adam`). `--dense-tables` gives the tables a
  dense Adam instead (every row's moments decay each step). Learning rate 0.004, betas 0.9 / 0.999,
  eps 1e-7.

Inputs are a pool of random batches made up front from a fixed seed: user field ids within each field's
slice of the user table, item ids with a Zipf-like popularity (so batches hold accidental hits), item
fields fixed per item, and a history of `history` item ids with 0 to `history` of them present per row.
logQ is the log of each item's sampling probability.

Timing mirrors the page's bench: warm-up until the step time settles, then 30 steps reading the loss after
every step (latency, ms/step) and 30 steps reading it every 5th step as the page trains (throughput,
examples/s). A step is the whole training step: forward, backward and both optimiser updates.

BLAS: Debian's python3-torch calls whatever `libblas.so.3` resolves to, by default the reference BLAS
(a whole step here took ~160 ms with it against ~48 ms with OpenBLAS, 1 thread). The library really loaded is read from /proc/self/maps after a matmul
and reported; `--blas-library PATH` re-runs this script with PATH in LD_PRELOAD to compare libraries.
With OpenBLAS the BLAS's own thread count is set to each timed thread count too.

On a machine shared with other busy processes, torch's OpenMP threads spin while they wait for each other
(GNU OpenMP's default) and several threads can be many times slower than one (here, 2 threads on a loaded
2-core machine: ~900 ms a step against ~50 ms for 1). `OMP_WAIT_POLICY=PASSIVE` in the environment
avoids it; the OpenMP and BLAS environment variables in effect are reported under `environment`.
"""

import argparse
import ctypes
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn
except ImportError as missing:  # the bench runs on machines without torch too
    if __name__ == "__main__":
        print(json.dumps({"skipped": f"{missing} (run with /usr/bin/python3 and Debian's python3-torch)"}))
        sys.exit(0)
    raise

LAYER_NORM_EPSILON = 1e-5
ABSENT_LOGIT = -1e4
ACCIDENTAL_HIT_LOGIT = -1e9
# Rows of each field other than the first (the id field takes the rest of the table).
SMALL_FIELD_ROWS = 16
ZIPF_EXPONENT = 1.0
PRELOAD_MARKER = "TWOTOWER_BLAS_PRELOADED"
REPORTED_ENVIRONMENT = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "GOMP_SPINCOUNT", "OPENBLAS_NUM_THREADS",
                        "MKL_NUM_THREADS", "LD_PRELOAD")


@dataclass
class Config:
    batch: int = 512
    dim: int = 32
    heads: int = 2
    layers: int = 1
    mlp_hidden: int = 64
    temperature: float = 0.1
    log_q: bool = True
    history: int = 20
    user_fields: int = 7
    item_fields: int = 7
    user_rows: int = 5100
    item_rows: int = 600
    learning_rate: float = 0.004
    sparse_tables: bool = True
    seed: int = 0


# ---------------------------------------------------------------- inputs


def field_offsets(total_rows, fields):
    """First row of each field's slice of a table: the id field first, then fields of SMALL_FIELD_ROWS."""
    id_rows = total_rows - SMALL_FIELD_ROWS * (fields - 1)
    if id_rows < 2:
        raise ValueError(f"a table of {total_rows} rows is too small for {fields} fields")
    return np.array([0] + [id_rows + SMALL_FIELD_ROWS * f for f in range(fields - 1)]), id_rows


def zipf_probabilities(count):
    """Sampling probability of ids 1..count-1 by popularity rank (id 0, the missing code, never drawn)."""
    weights = np.zeros(count)
    weights[1:] = 1.0 / np.arange(1, count) ** ZIPF_EXPONENT
    return weights / weights.sum()


def make_batches(config, count, seed=None):
    """`count` random batches, each a dict of index tensors (see the module docstring)."""
    rng = np.random.default_rng(config.seed if seed is None else seed)
    user_offsets, user_ids = field_offsets(config.user_rows, config.user_fields)
    item_offsets, item_ids = field_offsets(config.item_rows, config.item_fields)
    popularity = zipf_probabilities(item_ids)
    # An item's own fields are fixed: one value per small field per item.
    item_attributes = rng.integers(0, SMALL_FIELD_ROWS, size=(item_ids, config.item_fields - 1))
    log_q = torch.tensor(np.log(np.maximum(popularity, 1e-12)), dtype=torch.float32)
    b, h = config.batch, config.history
    batches = []
    for _ in range(count):
        users = rng.integers(1, user_ids, size=b)
        user_small = rng.integers(0, SMALL_FIELD_ROWS, size=(b, config.user_fields - 1))
        items = rng.choice(item_ids, size=b, p=popularity)
        history = rng.choice(item_ids, size=(b, h), p=popularity)
        present = np.arange(h)[None, :] < rng.integers(0, h + 1, size=b)[:, None]
        history = np.where(present, history, 0)
        user_rows = np.concatenate([users[:, None], user_small], 1) + user_offsets
        item_rows = np.concatenate([items[:, None], item_attributes[items]], 1) + item_offsets
        batches.append({
            "user_rows": torch.tensor(user_rows, dtype=torch.long),
            "item_rows": torch.tensor(item_rows, dtype=torch.long),
            "history": torch.tensor(history, dtype=torch.long),
            "items": torch.tensor(items, dtype=torch.long),
            "log_q": log_q[items] if config.log_q else None,
        })
    return batches


# ---------------------------------------------------------------- model


def normal(shape, std):
    return nn.Parameter(torch.randn(*shape) * std)


def self_attention(x, layer, heads, key_bias, row_mask):
    """One block: multi-head self-attention over tokens x [batch, tokens, dim], residual, layer norm."""
    batch, tokens, dim = x.shape
    head_dim = dim // heads

    def split(w):
        return (x @ w).reshape(batch, tokens, heads, head_dim).transpose(1, 2)

    q, k, v = split(layer["wq"]), split(layer["wk"]), split(layer["wv"])
    logits = q @ k.transpose(2, 3) / head_dim ** 0.5  # [batch, heads, tokens, tokens]
    if key_bias is not None:
        logits = logits + key_bias
    weights = torch.softmax(logits, -1)
    if row_mask is not None:
        weights = weights * row_mask
    mixed = (weights @ v).transpose(1, 2).reshape(batch, tokens, dim)
    return F.layer_norm(x + mixed @ layer["wo"], (dim,), layer["gamma"], layer["beta"], LAYER_NORM_EPSILON)


def attention_pool(x, query, present):
    """Weighted sum of tokens x [batch, tokens, dim]: softmax over tokens of x.query / sqrt(dim)."""
    logits = (x @ query).squeeze(-1) / x.shape[-1] ** 0.5
    if present is not None:
        logits = logits + (1 - present) * ABSENT_LOGIT
    return (x * torch.softmax(logits, -1).unsqueeze(-1)).sum(1)


def l2_normalise(x):
    return x / torch.sqrt((x * x).sum(1, keepdim=True) + 1e-12)


class Tower(nn.Module):
    """Tokens -> self-attention layers -> attention pooling -> MLP -> unit vector (see the docstring)."""

    def __init__(self, dim, heads, layers, mlp_hidden, position_tokens):
        super().__init__()
        glorot = (1 / dim) ** 0.5
        self.heads = heads
        self.positions = normal((position_tokens, dim), 0.1) if position_tokens else None
        self.layers = nn.ModuleList(
            nn.ParameterDict({
                "wq": normal((dim, dim), glorot),
                "wk": normal((dim, dim), glorot),
                "wv": normal((dim, dim), glorot),
                "wo": normal((dim, dim), glorot),
                "gamma": nn.Parameter(torch.ones(dim)),
                "beta": nn.Parameter(torch.zeros(dim)),
            })
            for _ in range(layers)
        )
        self.pool_query = normal((dim, 1), glorot)
        self.w1 = normal((dim, mlp_hidden), glorot)
        self.b1 = nn.Parameter(torch.zeros(mlp_hidden))
        self.w2 = normal((mlp_hidden, dim), (1 / mlp_hidden) ** 0.5)
        self.b2 = nn.Parameter(torch.zeros(dim))

    def forward(self, tokens, present=None, own_tokens=None):
        """tokens [batch, T, dim]; present [batch, T] (1 = there, 0 = absent) or None when all are there.

        Tokens after the first `own_tokens` are history slots: slot s gets position embedding s. With
        `own_tokens` None the history is the last `positions` tokens, as on the page.
        """
        x = tokens
        if self.positions is not None:
            own = x.shape[1] - self.positions.shape[0] if own_tokens is None else own_tokens
            x = torch.cat([x[:, :own], x[:, own:] + self.positions[: x.shape[1] - own]], 1)
        key_bias = row_mask = None
        if present is not None:
            key_bias = ((1 - present) * ABSENT_LOGIT)[:, None, None, :]  # per key, every head and query
            row_mask = present[:, None, :, None]
        for layer in self.layers:
            x = self_attention(x, layer, self.heads, key_bias, row_mask)
        pooled = attention_pool(x, self.pool_query, present)
        hidden = torch.relu(pooled @ self.w1 + self.b1)
        return l2_normalise(hidden @ self.w2 + self.b2)


class TwoTower(nn.Module):
    """The user and item tables and towers; `loss(batch)` is the in-batch softmax loss of one batch."""

    def __init__(self, config):
        super().__init__()
        self.config = config
        self.user_table = nn.Embedding(config.user_rows, config.dim, sparse=config.sparse_tables)
        self.item_table = nn.Embedding(config.item_rows, config.dim, sparse=config.sparse_tables)
        for table in (self.user_table, self.item_table):
            nn.init.normal_(table.weight, 0.0, 0.1)
        shape = dict(dim=config.dim, heads=config.heads, layers=config.layers, mlp_hidden=config.mlp_hidden)
        self.user = Tower(position_tokens=config.history, **shape)
        self.item = Tower(position_tokens=0, **shape)

    def tables(self):
        return [self.user_table.weight, self.item_table.weight]

    def dense_parameters(self):
        return list(self.user.parameters()) + list(self.item.parameters())

    def embed(self, batch):
        """User and item embeddings [batch, dim] of a batch (its index tensors, see `make_batches`)."""
        own_items = batch["item_rows"]
        history = batch["history"]
        # One lookup in the item table for both the items' own tokens and the history tokens, as the page does.
        item_tokens = self.item_table(torch.cat([own_items, history], 1))
        own, recent = item_tokens[:, : own_items.shape[1]], item_tokens[:, own_items.shape[1]:]
        user_tokens = torch.cat([self.user_table(batch["user_rows"]), recent], 1)
        present = torch.cat([torch.ones_like(batch["user_rows"]), (history > 0).long()], 1).float()
        return self.user(user_tokens, present, own_tokens=batch["user_rows"].shape[1]), self.item(own)

    def loss(self, batch):
        users, items = self.embed(batch)
        return in_batch_softmax_loss(users, items, batch["items"], self.config.temperature, batch["log_q"])


def accidental_hits(items):
    """[batch, batch] bool: item j is item i, j != i."""
    same = items[:, None] == items[None, :]
    return same & ~torch.eye(len(items), dtype=torch.bool, device=items.device)


def in_batch_softmax_loss(users, items_emb, items, temperature, log_q):
    """Mean over rows of cross-entropy with the diagonal as the positive (see the module docstring)."""
    logits = users @ items_emb.T / temperature
    if log_q is not None:
        logits = logits - log_q[None, :]
    logits = logits.masked_fill(accidental_hits(items), ACCIDENTAL_HIT_LOGIT)
    return F.cross_entropy(logits, torch.arange(len(items), device=items.device))


# ---------------------------------------------------------------- training step


def make_optimisers(model):
    """SparseAdam for the tables (or dense Adam with `sparse_tables` off), Adam for the rest."""
    lr, betas, eps = model.config.learning_rate, (0.9, 0.999), 1e-7
    if model.config.sparse_tables:
        return [torch.optim.SparseAdam(model.tables(), lr=lr, betas=betas, eps=eps),
                torch.optim.Adam(model.dense_parameters(), lr=lr, betas=betas, eps=eps)]
    return [torch.optim.Adam(model.tables() + model.dense_parameters(), lr=lr, betas=betas, eps=eps)]


def train_step(model, optimisers, batch):
    """Forward, backward and the optimiser updates; returns the loss (a tensor, not read)."""
    for optimiser in optimisers:
        optimiser.zero_grad(set_to_none=True)
    loss = model.loss(batch)
    loss.backward()
    for optimiser in optimisers:
        optimiser.step()
    return loss.detach()


# ---------------------------------------------------------------- timing

WARMUP_MIN, WARMUP_MAX, SETTLE_WINDOW, SETTLE_TOLERANCE = 10, 60, 5, 0.05
TIMED_STEPS, LOSS_READ_EVERY = 30, 5


class Stepper:
    """Runs training steps over the batch pool in order, wrapping around."""

    def __init__(self, model, optimisers, batches):
        self.model, self.optimisers, self.batches, self.next = model, optimisers, batches, 0

    def __call__(self):
        batch = self.batches[self.next % len(self.batches)]
        self.next += 1
        return train_step(self.model, self.optimisers, batch)


def settled(times):
    """Whether the median of the last SETTLE_WINDOW step times is within tolerance of the previous window's."""
    if len(times) < max(WARMUP_MIN, 2 * SETTLE_WINDOW):
        return False
    last = statistics.median(times[-SETTLE_WINDOW:])
    before = statistics.median(times[-2 * SETTLE_WINDOW: -SETTLE_WINDOW])
    return abs(last - before) <= SETTLE_TOLERANCE * before


def warm_up(step):
    """Steps (loss read each time) until the step time settles; returns the step times in ms."""
    times = []
    while len(times) < WARMUP_MAX and not settled(times):
        start = time.perf_counter()
        step().item()
        times.append((time.perf_counter() - start) * 1000)
    return times


def time_steps(step, steps, read_every):
    """Seconds for `steps` steps, reading the losses back every `read_every` steps (and at the end)."""
    pending = []
    start = time.perf_counter()
    for s in range(steps):
        pending.append(step())
        if len(pending) >= read_every or s == steps - 1:
            torch.stack(pending).sum().item()
            pending = []
    return time.perf_counter() - start


def bench_threads(config, threads, batches, blas, device="cpu"):
    """Latency and throughput of a fresh model at `threads` threads (the CPU's; on a GPU, its host threads)."""
    torch.set_num_threads(threads)
    blas_threads = set_blas_threads(blas, threads)
    torch.manual_seed(config.seed)
    model = TwoTower(config).to(device)
    step = Stepper(model, make_optimisers(model), batches)
    warm = warm_up(step)
    latency = time_steps(step, TIMED_STEPS, 1)
    throughput = time_steps(step, TIMED_STEPS, LOSS_READ_EVERY)
    result = {
        "device": str(device),
        "threads": threads,
        "torch_threads": torch.get_num_threads(),
        "blas_threads": blas_threads,
        "latency_ms_per_step": round(latency / TIMED_STEPS * 1000, 3),
        "throughput_examples_per_s": round(TIMED_STEPS * config.batch / throughput, 1),
        "warmup_steps": len(warm),
        "compile_or_first_step_ms": round(warm[0], 3),
        "warmup_last_median_ms": round(statistics.median(warm[-SETTLE_WINDOW:]), 3),
    }
    print(f"threads {threads}: {result}", file=sys.stderr)
    return result


# ---------------------------------------------------------------- BLAS


def loaded_libraries():
    """Real paths of the shared libraries mapped into this process, in order of first appearance."""
    paths = []
    with open("/proc/self/maps", encoding="utf-8") as maps:
        for line in maps:
            fields = line.split(maxsplit=5)
            if len(fields) == 6 and fields[5].startswith("/") and ".so" in fields[5]:
                path = os.path.realpath(fields[5].strip())
                if path not in paths:
                    paths.append(path)
    return paths


def blas_kind(path):
    name = path.lower()
    if "openblas" in name:
        return "openblas"
    if "mkl" in name:
        return "mkl"
    if "blis" in name:
        return "blis"
    if "atlas" in name:
        return "atlas"
    if os.path.basename(name).startswith("libblas.so") or "/blas/" in name:
        return "reference"
    return "unknown"


def is_blas(path):
    base = os.path.basename(path).lower()
    return ("blas" in base and "cublas" not in base) or base.startswith("libmkl")


def global_sgemm_provider():
    """The library that `sgemm_` resolves to in the global scope (LD_PRELOAD first), or None."""
    try:
        address = ctypes.cast(ctypes.CDLL(None).sgemm_, ctypes.c_void_p).value
    except AttributeError:
        return None

    class DlInfo(ctypes.Structure):
        _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                    ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]

    info = DlInfo()
    libdl = ctypes.CDLL(None)
    libdl.dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlInfo)]
    if not libdl.dladdr(address, ctypes.byref(info)) or not info.dli_fname:
        return None
    return os.path.realpath(info.dli_fname.decode())


def detect_blas():
    """{library, kind, loaded} of the BLAS torch calls, after a matmul has made sure it is loaded."""
    a = torch.randn(64, 64)
    (a @ a).sum().item()
    loaded = [p for p in loaded_libraries() if is_blas(p)]
    provider = global_sgemm_provider()
    # The global scope (LD_PRELOAD) wins over torch's own dependencies; else the first BLAS mapped is it.
    library = provider if provider and is_blas(provider) else (loaded[0] if loaded else None)
    blas = {"library": library, "kind": blas_kind(library) if library else "unknown", "loaded": loaded}
    if os.environ.get(PRELOAD_MARKER):
        blas["ld_preload"] = os.environ.get("LD_PRELOAD")
    return blas


def set_blas_threads(blas, threads):
    """With OpenBLAS, sets its own thread pool to `threads` (torch does not); returns its count or None."""
    if blas["kind"] != "openblas":
        return None
    for path in blas["loaded"]:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_set_num_threads(ctypes.c_int(threads))
            return lib.openblas_get_num_threads()
        except (OSError, AttributeError):
            continue
    return None


def reexec_with_preload(library):
    """Runs this script again with `library` in LD_PRELOAD (once), so that its BLAS symbols win."""
    if os.environ.get(PRELOAD_MARKER):
        return
    if not os.path.exists(library):
        raise SystemExit(f"--blas-library {library}: no such file")
    env = dict(os.environ, LD_PRELOAD=os.path.realpath(library), **{PRELOAD_MARKER: "1"})
    sys.stdout.flush()
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


# ---------------------------------------------------------------- main


def parse_args(argv):
    cpus = os.cpu_count() or 1
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].strip())
    p.add_argument("--threads", default=",".join(str(t) for t in sorted({1, cpus})))
    p.add_argument("--batch", type=int, default=Config.batch)
    p.add_argument("--dim", type=int, default=Config.dim)
    p.add_argument("--heads", type=int, default=Config.heads)
    p.add_argument("--layers", type=int, default=Config.layers)
    p.add_argument("--mlp-hidden", type=int, default=Config.mlp_hidden)
    p.add_argument("--history", type=int, default=Config.history)
    p.add_argument("--user-fields", type=int, default=Config.user_fields)
    p.add_argument("--item-fields", type=int, default=Config.item_fields)
    p.add_argument("--user-rows", type=int, default=Config.user_rows)
    p.add_argument("--item-rows", type=int, default=Config.item_rows)
    p.add_argument("--pool", type=int, default=200, help="random batches made up front")
    p.add_argument("--seed", type=int, default=Config.seed)
    p.add_argument("--dense-tables", action="store_true", help="dense Adam for the tables instead of SparseAdam")
    p.add_argument("--blas-library", help="LD_PRELOAD this BLAS library (re-runs the script)")
    p.add_argument("--device", default="cpu", help="torch device to train on, e.g. cuda (default cpu)")
    args = p.parse_args(argv)
    if args.dim % args.heads:
        p.error(f"--dim {args.dim} is not a multiple of --heads {args.heads}")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.blas_library:
        reexec_with_preload(args.blas_library)
    config = Config(batch=args.batch, dim=args.dim, heads=args.heads, layers=args.layers,
                    mlp_hidden=args.mlp_hidden, history=args.history, user_fields=args.user_fields,
                    item_fields=args.item_fields, user_rows=args.user_rows, item_rows=args.item_rows,
                    sparse_tables=not args.dense_tables, seed=args.seed)
    blas = detect_blas()
    print(f"torch {torch.__version__}, BLAS {blas}", file=sys.stderr)
    print(torch.__config__.show(), file=sys.stderr)
    started = time.perf_counter()
    device = torch.device(args.device)
    batches = [{k: (v.to(device) if v is not None else None) for k, v in b.items()}
               for b in make_batches(config, args.pool)]
    print(f"{args.pool} batches made in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    results = [bench_threads(config, int(t), batches, blas, device) for t in args.threads.split(",") if t.strip()]
    print(json.dumps({
        "torch": torch.__version__,
        "python": platform.python_version(),
        "blas": blas,
        "device": str(device),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "sparse_tables": config.sparse_tables,
        "config": asdict(config),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "environment": {k: os.environ[k] for k in REPORTED_ENVIRONMENT if k in os.environ},
        "results": results,
    }, indent=2))


if __name__ == "__main__":
    main()
