"""Trains the playground's two-tower model in PyTorch, as the page trains it, and writes a run file.

    python3 train.py                       # the files beside mapping.json, settings from run.json
    python3 train.py --epochs 5 --data DIR --out my.run.json.gz
    torchrun --nproc_per_node=4 train.py   # one process per GPU (or CPU processes with gloo)
    python3 train.py --evaluate            # no training: test the exported weights (weights.bin)

What it does, step by step, each step as the page does it (the playground's tests check that):

1. Data: `data.py` reads the original files with `mapping.json` (the page's mapping, cleaning and
   encoding), giving ids, field codes and interactions.
2. Split: with timestamps, each user's last interaction is test and the one before it validation
   (users with fewer than 3 stay in training); without, a seeded 80/10/10 shuffle.
3. History: each interaction's query sees the user's most recent earlier items (training items; a test
   query also its validation item), newest first, as extra tokens of the user tower.
4. Model: `model.py`'s towers. Training: in-batch softmax over cosine similarity / temperature, minus
   log(item frequency) (logQ), with a user's other copies of the positive masked (accidental hits);
   Adam for the dense weights, Adam on only the rows a batch used for the embedding tables (lazy Adam).
   The batch order is the page's: the same seeded shuffles, so one process and the page see the same
   batches. With several processes each takes a slice of every batch, and the item embeddings of the
   whole batch are gathered, so every process sees all the batch's negatives: the loss and gradient are
   those of one process with the whole batch.
5. Validation after every epoch: every held-out item ranked against the whole catalogue, the user's
   known items excluded, ties counted as their expected rank. Early stopping on validation NDCG@10 (an
   epoch improves when it beats the best by more than one standard error of the paired difference);
   the best epoch's weights are tested.
6. Output: a run file (`*.run.json.gz`, the page's `attentive-run` format, with the weights) that the
   page's "Open run file" shows as it shows its own runs, explorer included, and, beside it, the
   trained towers as `model.json` + `weights.bin` for `model.py`.

Not here (the page has them): the baselines trained beside the model (id-only, mean pooling,
sequence), co-occurrence, drop-field importance, coverage intervals.
"""

import argparse
import base64
import gzip
import json
import math
import os
import time
import types
from datetime import datetime, timezone
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

import data as data_py
from model import TwoTowers

# Limits and constants of the page (src/model/*.ts), kept equal so both give the same numbers.
MAX_ROWS_PER_FIELD = 200_000
MAX_VALUES_PER_MULTI = 8
MIN_INTERACTIONS_FOR_HOLDOUT = 3
MAX_EVAL_QUERIES = 10_000
INSPECTION_QUERIES = 1000
LOSS_READ_EVERY = 5
ACCIDENTAL_HIT_LOGIT = -1e9
METRIC_KS = (10, 50, 100)
ADAM_EPSILON = 1e-7
DEFAULT_CONFIG = {
    "epochs": 30,
    "batchSize": 512,
    "learningRate": 0.004,
    "dim": 32,
    "heads": 2,
    "layers": 1,
    "mlpHidden": 64,
    "temperature": 0.1,
    "logQ": True,
    "historyLength": 20,
    "earlyStoppingPatience": 2,
    "compareBaselines": True,
    "seed": 42,
}


# ---------------------------------------------------------------------------------------------------
# The page's seeded random numbers (src/data/random.ts), bit for bit: the same seed gives the same
# split, batch order and evaluation sample as in the page.

MASK = 0xFFFFFFFF


def mulberry32(seed):
    state = seed & MASK

    def next_value():
        nonlocal state
        state = (state + 0x6D2B79F5) & MASK
        t = state
        t = ((t ^ (t >> 15)) * (t | 1)) & MASK
        t ^= (t + (((t ^ (t >> 7)) * (t | 61)) & MASK)) & MASK
        return ((t ^ (t >> 14)) & MASK) / 4294967296

    return next_value


def derive_seed(seed, purpose):
    h = (seed & MASK) ^ 0x811C9DC5
    for ch in purpose:
        h = ((h ^ ord(ch)) * 0x01000193) & MASK
    return h


def shuffle_in_place(rng, values):
    """Fisher-Yates, as the page shuffles (a Python list)."""
    for i in range(len(values) - 1, 0, -1):
        j = int(rng() * (i + 1))
        values[i], values[j] = values[j], values[i]
    return values


def js_round(x):
    """Math.round: halves go up."""
    return math.floor(x + 0.5)


# ---------------------------------------------------------------------------------------------------
# Split and histories (src/data/split.ts, src/model/history.ts)

TRAIN, VALIDATION, TEST = 0, 1, 2


def split_dataset(ds, seed):
    """Row indices of train, validation and test, in the page's order, and the kind of split."""
    n = len(ds.interaction_user)
    if ds.interaction_time is None:
        order = shuffle_in_place(mulberry32(derive_seed(seed, "split")), list(range(n)))
        n_train, n_validation = js_round(n * 0.8), js_round(n * 0.1)
        as_tensor = lambda rows: torch.tensor(rows, dtype=torch.long)
        return "random", (
            as_tensor(order[:n_train]),
            as_tensor(order[n_train : n_train + n_validation]),
            as_tensor(order[n_train + n_validation :]),
        )
    # Each user's rows by time, ties by row (stable sorts, the least significant key first).
    rows = torch.arange(n)
    rows = rows[torch.sort(ds.interaction_time[rows], stable=True).indices]
    rows = rows[torch.sort(ds.interaction_user[rows], stable=True).indices]
    user = ds.interaction_user[rows]
    counts = torch.bincount(user, minlength=len(ds.user_ids))
    first = torch.cumsum(counts, 0) - counts
    position = torch.arange(n) - first[user]
    count = counts[user]
    held = count >= MIN_INTERACTIONS_FOR_HOLDOUT
    test = held & (position == count - 1)
    validation = held & (position == count - 2)
    return "leave-last-out", (rows[~(test | validation)], rows[validation], rows[test])


def parts_of(n, split):
    part = torch.full((n,), 3, dtype=torch.long)
    for p, rows in enumerate(split):
        part[rows] = p
    return part


class Histories:
    """The user's most recent items each interaction may know, newest first (the page's `mayKnow`).

    A source row is the same user's and strictly earlier in time (items of one second do not know each
    other); training and validation rows know training rows, test rows training and validation rows.
    Items of one second are ordered by item index. Kept as two lists of items in time order (training
    rows; training and validation rows) and, per row, where its known items end: a batch's [rows, length]
    codes are read from them on the fly.
    """

    def __init__(self, ds, part, length):
        self.length = length if ds.interaction_time is not None else 0
        if self.length == 0:
            return
        n = len(part)
        rows = torch.arange(n)
        for key in (ds.interaction_item, ds.interaction_time, ds.interaction_user):
            rows = rows[torch.sort(key[rows], stable=True).indices]
        user, t = ds.interaction_user[rows], ds.interaction_time[rows]
        positions = torch.arange(n)

        def first_of_run(starts):  # each position's first position of its run
            return torch.cummax(torch.where(starts, positions, torch.zeros_like(positions)), 0).values

        new_user = torch.ones(n, dtype=torch.bool)
        new_user[1:] = user[1:] != user[:-1]
        new_group = new_user.clone()  # a group: one user's rows of one second
        new_group[1:] |= t[1:] != t[:-1]
        group_start, user_start = first_of_run(new_group), first_of_run(new_user)
        p = part[rows]
        # Per list (training items; training and validation items): the items in time order, user by
        # user, and for each row where the user's items start and where those it may know end.
        self.lists, self.end, self.start = [], [], []
        for in_list in (p == TRAIN, (p == TRAIN) | (p == VALIDATION)):
            before = torch.cumsum(in_list.long(), 0) - in_list.long()  # list items before each position
            end = torch.zeros(n, dtype=torch.long)
            start = torch.zeros(n, dtype=torch.long)
            end[rows] = before[group_start]
            start[rows] = before[user_start]
            self.lists.append(ds.interaction_item[rows[in_list]])
            self.end.append(end)
            self.start.append(start)
        self.test_rows = part == TEST

    def codes(self, rows):
        """[rows, length]: item index + 1 of the k-th most recent known item, 0 where there is none."""
        if self.length == 0:
            return torch.zeros(len(rows), 0, dtype=torch.long)
        k = torch.arange(self.length)
        uses_known = self.test_rows[rows]
        end = torch.where(uses_known, self.end[1][rows], self.end[0][rows])
        start = torch.where(uses_known, self.start[1][rows], self.start[0][rows])
        at = end.unsqueeze(1) - 1 - k
        valid = at >= start.unsqueeze(1)

        def read(items):  # items[at] where valid (clamped reads elsewhere are thrown away)
            return items[at.clamp(0, len(items) - 1)] if len(items) else torch.zeros_like(at)

        items = torch.where(uses_known.unsqueeze(1), read(self.lists[1]), read(self.lists[0]))
        return torch.where(valid, items + 1, torch.zeros_like(items))


# ---------------------------------------------------------------------------------------------------
# Layout: which table rows each token reads (src/model/twoTower.rows.ts)


def fold(codes, rows):
    """Codes under a field's row cap keep their row; the rare tail beyond it shares rows."""
    return torch.where(codes < rows, codes, 1 + (codes - 1) % max(rows - 1, 1))


class Layout:
    """Both towers' tokens, table slices and the per-entity rows of their own tokens."""

    def __init__(self, ds, history_length):
        self.history_length = history_length
        user_singles = [(f, "user") for f in ds.user_fields] + [(f, "context") for f in ds.context_fields]
        self.user = self.tower(user_singles, ds.multi_user, history_length)
        self.item = self.tower([(f, "item") for f in ds.item_fields], ds.multi_item, 0)
        u = self.user
        n_user = len(ds.user_fields)
        # Rows of the user's own fields per user, of the context fields per interaction, of each tower's
        # multi-valued fields per entity (the first `width` values, each weighted 1/count).
        self.user_rows = self.single_rows(ds.user_codes, len(ds.user_ids), u, 0)
        self.context_rows = self.single_rows(ds.context_codes, len(ds.interaction_user), u, n_user)
        self.user_multi = self.multi_rows(ds.multi_user, u, len(user_singles), len(ds.user_ids))
        self.item_rows = self.single_rows(ds.item_codes, len(ds.item_ids), self.item, 0)
        self.item_multi = self.multi_rows(ds.multi_item, self.item, len(ds.item_fields), len(ds.item_ids))

    @staticmethod
    def tower(singles, multi, history_length):
        tokens = [
            {"name": f.name, "kind": "single", "source": source, "vocabulary": list(f.vocabulary)}
            for f, source in singles
        ]
        width = 1
        for field in multi:
            offsets = field.offsets
            if len(offsets) > 1:
                width = max(width, int((offsets[1:] - offsets[:-1]).max()))
        width = min(width, MAX_VALUES_PER_MULTI)
        tokens += [
            {"name": f.name, "kind": "multi", "source": f.tower, "vocabulary": list(f.vocabulary), "width": width}
            for f in multi
        ]
        offset = 0
        for token in tokens:
            token["rows"] = min(len(token["vocabulary"]), MAX_ROWS_PER_FIELD)
            token["offset"] = offset
            offset += token["rows"]
        tokens += [{"name": f"history_{k + 1}", "kind": "history"} for k in range(history_length)]
        return {"tokens": tokens, "positionTokens": history_length, "tableRows": offset, "width": width}

    @staticmethod
    def single_rows(codes, entities, tower, first):
        codes = codes.reshape(entities, -1)
        cols = [
            tower["tokens"][first + f]["offset"] + fold(codes[:, f], tower["tokens"][first + f]["rows"])
            for f in range(codes.shape[1])
        ]
        return torch.stack(cols, 1) if cols else torch.zeros(entities, 0, dtype=torch.long)

    @staticmethod
    def multi_rows(fields, tower, first, entities):
        width = tower["width"]
        rows = torch.zeros(entities, len(fields), width, dtype=torch.long)
        weights = torch.zeros(entities, len(fields), width)
        for m, field in enumerate(fields):
            token = tower["tokens"][first + m]
            offsets, codes = field.offsets.tolist(), field.codes
            for e in range(entities):
                start, count = offsets[e], min(offsets[e + 1] - offsets[e], width)
                if count == 0:  # no value: the missing value's row, alone
                    rows[e, m, :] = token["offset"]
                    weights[e, m, 0] = 1
                    continue
                values = codes[start : start + count]
                row = token["offset"] + fold(values, token["rows"])
                rows[e, m, :count] = row
                rows[e, m, count:] = row[0]
                weights[e, m, :count] = 1 / count
        return rows, weights

    def model_json(self, config, item_ids, dataset_meta):
        """The page's model.json for these towers (`model.py` builds from it)."""
        towers, weights = {}, []
        for name, tower in (("user", self.user), ("item", self.item)):
            towers[name] = {
                "tokens": [{k: v for k, v in t.items()} for t in tower["tokens"]],
                "positionTokens": tower["positionTokens"],
                "layers": config["layers"],
            }
            dim, hidden = config["dim"], config["mlpHidden"]
            weights.append((f"{name}/embeddings", [tower["tableRows"], dim]))
            if tower["positionTokens"]:
                weights.append((f"{name}/positions", [tower["positionTokens"], dim]))
            for l in range(config["layers"]):
                for w in ("wq", "wk", "wv", "wo"):
                    weights.append((f"{name}/l{l}/{w}", [dim, dim]))
                weights += [(f"{name}/l{l}/gamma", [dim]), (f"{name}/l{l}/beta", [dim])]
            weights += [
                (f"{name}/pool_query", [dim, 1]),
                (f"{name}/mlp/w1", [dim, hidden]),
                (f"{name}/mlp/b1", [hidden]),
                (f"{name}/mlp/w2", [hidden, dim]),
                (f"{name}/mlp/b2", [dim]),
            ]
        return {
            "format": "attentive-towers",
            "formatVersion": 1,
            "createdBy": "train.py (Attentive Recommendation Playground export)",
            "dataset": dataset_meta,
            "config": {k: config[k] for k in ("dim", "heads", "layers", "mlpHidden", "temperature")}
            | {"historyLength": self.history_length},
            "towers": towers,
            "catalogue": {"file": "items.bin", "shape": [len(item_ids), config["dim"]], "ids": list(item_ids)},
            "weightsManifest": [
                {
                    "paths": ["weights.bin"],
                    "weights": [{"name": n, "shape": s, "dtype": "float32"} for n, s in weights],
                }
            ],
        }


def initialise(towers, seed):
    """Normal draws with the page's standard deviations (tower.ts): tables and positions 0.1,
    projections sqrt(1 / fan-in); layer-norm gains 1; biases 0. Not the page's numbers (another
    generator), the same distribution."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in towers.named_parameters():
            leaf = name.split(".")[-1]
            if leaf in ("embeddings", "positions"):
                p.copy_(torch.randn(p.shape, generator=generator) * 0.1)
            elif leaf in ("wq", "wk", "wv", "wo", "pool_query", "w1", "w2"):
                p.copy_(torch.randn(p.shape, generator=generator) * math.sqrt(1 / p.shape[0]))
            elif leaf == "gamma":
                p.fill_(1)
            else:
                p.zero_()


# ---------------------------------------------------------------------------------------------------
# The towers on batches of interactions and items


class Batches(nn.Module):
    """The two towers applied to interaction rows (queries) and item indices, straight from the codes."""

    def __init__(self, towers, layout, ds, histories):
        super().__init__()
        self.towers = towers
        self.layout = layout
        self.histories = histories
        self.interaction_user = ds.interaction_user
        self.interaction_item = ds.interaction_item
        # History tokens are rows of the item table's id slice (its first, at offset 0).
        self.id_rows = layout.item["tokens"][0]["rows"]

    def to_device(self, device):
        self.device = device
        lay = self.layout
        for name in ("user_rows", "context_rows", "item_rows"):
            setattr(self, name, getattr(lay, name).to(device))
        self.user_multi = tuple(t.to(device) for t in lay.user_multi)
        self.item_multi = tuple(t.to(device) for t in lay.item_multi)
        return self

    @staticmethod
    def own_tokens(table, singles, multi_rows, multi_weights):
        tokens = [table[singles]] if singles.shape[1] else []
        if multi_rows.shape[1]:
            tokens.append((table[multi_rows] * multi_weights.unsqueeze(-1)).sum(2))
        return torch.cat(tokens, 1)

    def queries(self, rows, details=False):
        """Query embeddings of interaction rows (a CPU LongTensor)."""
        users = self.interaction_user[rows]
        singles = torch.cat([self.user_rows[users.to(self.device)], self.context_rows[rows.to(self.device)]], 1)
        u = users.to(self.device)
        multi_rows, multi_weights = self.user_multi[0][u], self.user_multi[1][u]
        tokens = self.own_tokens(self.towers.user.embeddings, singles, multi_rows, multi_weights)
        present = torch.ones(tokens.shape[:2], device=self.device)
        if self.histories.length:
            history = fold(self.histories.codes(rows), self.id_rows).to(self.device)
            tokens = torch.cat([tokens, self.towers.item.embeddings[history]], 1)
            present = torch.cat([present, (history > 0).float()], 1)
        return self.towers.user(tokens, present, details)

    def items(self, items, details=False):
        i = items.to(self.device)
        multi_rows, multi_weights = self.item_multi[0][i], self.item_multi[1][i]
        tokens = self.own_tokens(self.towers.item.embeddings, self.item_rows[i], multi_rows, multi_weights)
        return self.towers.item(tokens, torch.ones(tokens.shape[:2], device=self.device), details)

    def forward(self, rows, items):
        return self.queries(rows), self.items(items)

    def used_rows(self, rows, items):
        """Table rows a batch reads, as masks over each table (the lazy Adam updates only these)."""
        users = self.interaction_user[rows].to(self.device)
        user_used = torch.zeros(self.towers.user.embeddings.shape[0], dtype=torch.bool, device=self.device)
        user_used[self.user_rows[users]] = True
        user_used[self.context_rows[rows.to(self.device)]] = True
        user_used[self.user_multi[0][users]] = True
        i = items.to(self.device)
        item_used = torch.zeros(self.towers.item.embeddings.shape[0], dtype=torch.bool, device=self.device)
        item_used[self.item_rows[i]] = True
        item_used[self.item_multi[0][i]] = True
        if self.histories.length:
            item_used[fold(self.histories.codes(rows), self.id_rows).to(self.device)] = True
        return user_used, item_used


class GatherWithGradient(torch.autograd.Function):
    """all_gather whose backward sums every process's gradient of the gathered tensor and keeps this
    process's slice (so a loss over the gathered batch has the gradient one process would have)."""

    @staticmethod
    def forward(ctx, x, group):
        ctx.group = group
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size(group))]
        dist.all_gather(parts, x.contiguous(), group=group)
        return torch.cat(parts)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous()
        dist.all_reduce(grad, group=ctx.group)
        size = grad.shape[0] // dist.get_world_size(ctx.group)
        rank = dist.get_rank(ctx.group)
        return grad[rank * size : (rank + 1) * size], None


class LazyAdam:
    """Adam on the rows a step used only (src/model/lazyAdam.ts): the moments of other rows stay."""

    def __init__(self, tables, lr, beta1=0.9, beta2=0.999, eps=ADAM_EPSILON):
        self.tables = tables
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = [torch.zeros_like(t) for t in tables]
        self.v = [torch.zeros_like(t) for t in tables]
        self.step = 0

    @torch.no_grad()
    def update(self, used):
        self.step += 1
        t = self.step
        lr = self.lr * math.sqrt(1 - self.beta2**t) / (1 - self.beta1**t)
        for table, m, v, rows in zip(self.tables, self.m, self.v, used):
            if table.grad is None:
                continue
            index = rows.nonzero().squeeze(1)
            g = table.grad[index]
            m[index] = m[index] * self.beta1 + g * (1 - self.beta1)
            v[index] = v[index] * self.beta2 + g * g * (1 - self.beta2)
            table[index] -= lr * m[index] / (v[index].sqrt() + self.eps)


# ---------------------------------------------------------------------------------------------------
# Ranking metrics (src/model/metrics.ts, src/model/evaluate.ts)


def evaluation_rows(split_rows, part, seed, limit=MAX_EVAL_QUERIES):
    rows = split_rows.tolist()
    if len(rows) <= limit:
        return rows
    picked = shuffle_in_place(mulberry32(derive_seed(seed, f"queries-{part}")), list(range(len(rows))))
    return [rows[i] for i in sorted(picked[:limit])]


def items_of_users(ds, parts, users):
    out = {u: set() for u in users}
    for rows in parts:
        for u, i in zip(ds.interaction_user[rows].tolist(), ds.interaction_item[rows].tolist()):
            if u in out:
                out[u].add(i)
    return {u: sorted(items) for u, items in out.items()}


def build_queries(ds, split, part, seed):
    """Held-out rows to rank, their targets, the items excluded per query, and the pair negatives."""
    train, validation, test = split
    rows = evaluation_rows(validation if part == "validation" else test, part, seed)
    users = set(ds.interaction_user[rows].tolist()) if rows else set()
    known = items_of_users(ds, [train] if part == "validation" else [train, validation], users)
    everything = items_of_users(ds, [train, validation, test], users)
    rng = mulberry32(derive_seed(seed, f"negatives-{part}"))
    n_items = len(ds.item_ids)
    negatives = []
    for r in rows:
        own = set(everything[int(ds.interaction_user[r])])
        if len(own) >= n_items:
            negatives.append(-1)
            continue
        while True:
            candidate = int(rng() * n_items)
            if candidate not in own:
                negatives.append(candidate)
                break
    user_of = ds.interaction_user.tolist()
    return {
        "rows": torch.tensor(rows, dtype=torch.long),
        "targets": ds.interaction_item[rows] if rows else torch.zeros(0, dtype=torch.long),
        "excluded": [known[user_of[r]] for r in rows],
        "negatives": negatives,
    }


def expected_metrics(greater, ties):
    """Hit@K, NDCG@K and reciprocal rank expected over a uniform order of the target's ties."""
    positions = ties + 1
    out = {}
    for k in METRIC_KS:
        hit = max(0, min(k, greater + positions) - greater) / positions
        ndcg = sum(1 / math.log2(p + 2) for p in range(greater, min(k, greater + positions))) / positions
        out[f"recall@{k}"], out[f"hitrate@{k}"], out[f"precision@{k}"], out[f"ndcg@{k}"] = hit, hit, hit / k, ndcg
    out["mrr"] = sum(1 / (p + 1) for p in range(greater, greater + ties + 1)) / positions
    return out


RANK_NAMES = [f"{m}@{k}" for k in METRIC_KS for m in ("recall", "ndcg", "hitrate", "precision", "coverage")]
RANK_NAMES.append("mrr")
MEAN_NAMES = [n for n in RANK_NAMES if not n.startswith("coverage")]


def top_items(masked, k):
    """The k best of each row, ties by the lower index (rows of -inf: excluded items, never taken)."""
    k = min(k, masked.shape[1])
    threshold = torch.topk(masked, k, dim=1).values[:, -1:]
    out = []
    for row, cut in zip(masked, threshold):
        candidates = (row >= cut).nonzero().squeeze(1)  # in index order
        order = torch.sort(row[candidates], descending=True, stable=True).indices
        best = candidates[order][:k]
        out.append(best[row[best] > float("-inf")].tolist())
    return out


def rank(scores_of, queries, n_items, pair_temperature=0.0, batch=256, lists_of=None):
    """Per-query metric values, each K's recommended items, and pair scores for the pair metrics.
    `lists_of`: other scores to draw the recommended lists from (the random baseline's metrics are those
    of all items tied, its lists a random order)."""
    per_query = {name: [] for name in MEAN_NAMES}
    recommended = [set() for _ in METRIC_KS]
    pairs = []
    rows = queries["rows"]
    for start in range(0, len(rows), batch):
        scores = scores_of(rows[start : start + batch]).float().cpu()
        q = scores.shape[0]
        targets = queries["targets"][start : start + q]
        candidate = torch.ones(q, n_items, dtype=torch.bool)
        for j, excluded in enumerate(queries["excluded"][start : start + q]):
            candidate[j, excluded] = False
        others = candidate.clone()
        others[torch.arange(q), targets] = False
        t = scores[torch.arange(q), targets].unsqueeze(1)
        greater = ((scores > t) & others).sum(1).tolist()
        ties = ((scores == t) & others).sum(1).tolist()
        for g, e in zip(greater, ties):
            for name, value in expected_metrics(g, e).items():
                per_query[name].append(value)
        listed = lists_of(rows[start : start + batch]) if lists_of else scores
        for items in top_items(listed.masked_fill(~candidate, float("-inf")), METRIC_KS[-1]):
            for j, k in enumerate(METRIC_KS):
                recommended[j].update(items[:k])
        for j in range(q):
            negative = queries["negatives"][start + j]
            if pair_temperature and negative >= 0:
                pairs += [float(scores[j, item]) / pair_temperature for item in (targets[j], negative)]
    return {"perQuery": per_query, "recommended": recommended, "pairs": pairs, "items": n_items,
            "pairTemperature": pair_temperature}


def pair_detail(ranked):
    scores = [float(x) for x in ranked["pairs"]]
    ordered = sorted(scores)
    half = len(ordered) // 2
    centre = (ordered[half - 1] + ordered[half]) / 2
    temperature = ranked["pairTemperature"]
    loss, accuracy = [0.0] * (len(scores) // 2), [0.0] * (len(scores) // 2)
    predicted_positive = true_positive = 0
    for i, score in enumerate(scores):
        label = 1 if i % 2 == 0 else 0
        logit = (score - centre) / temperature
        loss[i >> 1] += (max(logit, 0) - logit * label + math.log1p(math.exp(-abs(logit)))) / 2
        predicted = 1 if logit > 0 else 0
        if predicted == label:
            accuracy[i >> 1] += 0.5
        if predicted == 1:
            predicted_positive += 1
            true_positive += label
    return loss, accuracy, true_positive, predicted_positive


def mean(values):
    return sum(values) / len(values) if values else 0.0


def standard_error(values):
    n = len(values)
    if n < 2:
        return None
    shift = values[0]
    m = sum(v - shift for v in values) / n
    return math.sqrt(sum((v - shift - m) ** 2 for v in values) / (n - 1)) / math.sqrt(n)


def has_pairs(ranked):
    return ranked["pairTemperature"] > 0 and len(ranked["pairs"]) > 0


def result_of(ranked):
    per_query = ranked["perQuery"]
    out = {"queries": len(per_query["mrr"])}
    for name in MEAN_NAMES:
        out[name] = mean(per_query[name])
    for j, k in enumerate(METRIC_KS):
        out[f"coverage@{k}"] = len(ranked["recommended"][j]) / ranked["items"] if ranked["items"] else 0
    if has_pairs(ranked):
        loss, accuracy, tp, pp = pair_detail(ranked)
        out["pairLoss"], out["pairAccuracy"] = mean(loss), mean(accuracy)
        out["pairPrecision"] = tp / pp if pp else 0
    return out


def per_query_of(ranked, name):
    if name in ("pairLoss", "pairAccuracy"):
        if not has_pairs(ranked):
            return None
        loss, accuracy, _, _ = pair_detail(ranked)
        return loss if name == "pairLoss" else accuracy
    return ranked["perQuery"][name]


def errors_of(ranked):
    out = {name: standard_error(ranked["perQuery"][name]) for name in MEAN_NAMES}
    if has_pairs(ranked):
        loss, accuracy, tp, pp = pair_detail(ranked)
        out["pairLoss"], out["pairAccuracy"] = standard_error(loss), standard_error(accuracy)
        p = tp / pp if pp else float("nan")
        out["pairPrecision"] = math.sqrt(p * (1 - p) / pp) if pp else None
    return out


def paired_difference(a, b):
    d = [x - y for x, y in zip(a, b)]
    return {"difference": mean(d) if d else None, "standardError": standard_error(d)}


COMPARED = MEAN_NAMES + ["pairLoss", "pairAccuracy"]


# ---------------------------------------------------------------------------------------------------
# Training


class Steps:
    """Gradient steps on batches of training rows: the loss, then Adam on the dense weights and the lazy
    Adam on the rows of the embedding tables the batch used. With several processes, each computes the
    loss of its slice of the batch against the whole batch's items, and DDP averages the gradients."""

    def __init__(self, batches, config, log_q, rank_id=0, world=1, group=None):
        self.batches, self.config, self.log_q = batches, config, log_q
        self.rank_id, self.world, self.group = rank_id, world, group
        self.model = nn.parallel.DistributedDataParallel(batches) if world > 1 else batches
        towers = batches.towers
        self.tables = [towers.user.embeddings, towers.item.embeddings]
        dense = [p for p in towers.parameters() if all(p is not t for t in self.tables)]
        self.adam = torch.optim.Adam(dense, lr=config["learningRate"], eps=ADAM_EPSILON)
        self.lazy = LazyAdam(self.tables, config["learningRate"])

    def loss(self, rows):
        """Mean in-batch softmax cross-entropy of this process's slice of `rows` (a CPU LongTensor)."""
        device, config = self.batches.device, self.config
        local = len(rows) // self.world
        mine = slice(self.rank_id * local, (self.rank_id + 1) * local)
        items = self.batches.interaction_item[rows]
        queries, own_items = self.model(rows[mine], items[mine])
        all_items = GatherWithGradient.apply(own_items, self.group) if self.world > 1 else own_items
        logits = queries @ all_items.T / config["temperature"]
        items = items.to(device)
        if config["logQ"]:
            logits = logits - self.log_q[items].unsqueeze(0)
        # Row i's positive is column (its place in the whole batch); the same item elsewhere in the
        # batch is not a negative (accidental hit).
        at = torch.arange(local, device=device)
        positive = at + self.rank_id * local
        hits = items[positive].unsqueeze(1) == items.unsqueeze(0)
        hits[at, positive] = False
        logits = logits.masked_fill(hits, ACCIDENTAL_HIT_LOGIT)
        return (torch.logsumexp(logits, 1) - logits[at, positive]).mean()

    def step(self, rows):
        """One step on `rows`; returns the loss of the whole batch before the step."""
        loss = self.loss(rows)
        self.adam.zero_grad(set_to_none=True)
        for t in self.tables:
            t.grad = None
        loss.backward()
        local = len(rows) // self.world
        mine = rows[self.rank_id * local : (self.rank_id + 1) * local]
        used = self.batches.used_rows(mine, self.batches.interaction_item[mine])
        if self.world > 1:
            # Rows any process used; the gradients DDP averaged are those of the whole batch.
            used = [u.to(torch.uint8) for u in used]
            for u in used:
                dist.all_reduce(u, op=dist.ReduceOp.MAX)
            used = [u.bool() for u in used]
        self.adam.step()
        self.lazy.update(used)
        value = loss.detach()
        if self.world > 1:
            dist.all_reduce(value)
            value /= self.world
        return float(value)


def distributed():
    """(rank, world size, device, group for the batch gather); one process without torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    cuda = torch.cuda.is_available()
    if world > 1:
        dist.init_process_group("nccl" if cuda else "gloo")
        local = int(os.environ.get("LOCAL_RANK", "0"))
        device = torch.device(f"cuda:{local}") if cuda else torch.device("cpu")
        if cuda:
            torch.cuda.set_device(device)
        # The gather of item embeddings runs in the backward pass beside DDP's own all-reduces: a group of
        # its own keeps the two streams of collectives apart.
        return dist.get_rank(), world, device, dist.new_group()
    return 0, 1, torch.device("cuda" if cuda else "cpu"), None


def model_scorer(batches, n_items):
    with torch.no_grad():
        parts = [batches.items(torch.arange(s, min(s + 1024, n_items))) for s in range(0, n_items, 1024)]
        catalogue = torch.cat(parts)

        def scores_of(rows):
            return batches.queries(rows) @ catalogue.T

    return scores_of


def mean_attention(output, tokens):
    """Mean pooling weights and each layer's mean attention rows (over the examples holding each token)."""
    _, pool, attentions = output
    layers = []
    for a in attentions:
        total = a.sum(0)  # [heads, t, t]
        layers.append((total / total.sum(-1, keepdim=True).clamp(min=1e-9)).reshape(a.shape[1], -1).tolist())
    return {"tokens": tokens, "pooling": pool.mean(0).tolist(), "layers": layers}


def summarize_attention(batches, layout, inspection_rows, n_items):
    with torch.no_grad():
        user = batches.queries(inspection_rows, details=True)
        item = batches.items(torch.arange(min(1000, n_items)), details=True)
    return {
        "user": mean_attention(user, [t["name"] for t in layout.user["tokens"]]),
        "item": mean_attention(item, [t["name"] for t in layout.item["tokens"]]),
    }


def improves_on(current, best):
    d = paired_difference(current, best)
    noise = d["standardError"] or 0
    return d["difference"] > 0 and d["difference"] > noise


def encoded_weights(towers, manifest):
    variables = []
    for spec in manifest:
        values = towers.parameter_of(spec["name"]).detach().float().cpu().contiguous()
        variables.append({"name": spec["name"], "shape": spec["shape"],
                          "data": base64.b64encode(values.numpy().astype("<f4").tobytes()).decode("ascii")})
    return {"dtype": "float32", "variables": variables}


def fingerprint(ds):
    """FNV-1a over ids and interactions (src/model/runFile.ts): equal in the page means the same data."""
    if getattr(ds, "_fingerprint", None):
        return ds._fingerprint
    h = 0x811C9DC5

    def mix(h, x):
        for shift in (0, 8, 16):
            h = ((h ^ ((x >> shift) & 0xFF)) * 0x01000193) & MASK
        return h

    for ids in (ds.user_ids, ds.item_ids):
        for text in ids:
            units = text.encode("utf-16-le")  # the page reads ids as UTF-16 code units
            for j in range(0, len(units), 2):
                h = mix(h, units[j] | units[j + 1] << 8)
    for u, i in zip(ds.interaction_user.tolist(), ds.interaction_item.tolist()):
        h = mix(mix(h, u & MASK), i & MASK)
    ds._fingerprint = f"{h:08x}"
    return ds._fingerprint


def field_summary(ds):
    fields = [(f, f.kind) for f in ds.user_fields] + [(f, "multi") for f in ds.multi_user]
    fields += [(f, f.kind) for f in ds.context_fields] + [(f, f.kind) for f in ds.item_fields]
    fields += [(f, "multi") for f in ds.multi_item]
    return [
        {"name": f.name, "tower": f.tower, "kind": kind, "cardinality": len(f.vocabulary) - 1} for f, kind in fields
    ]


class WeightsMismatch(ValueError):
    """Weights whose sizes are not those of the model the data and settings build."""


def prepare(ds, config, weights=None, device=torch.device("cpu")):
    """The split, histories, towers (the page's weights when given, else fresh ones) and the log item
    frequencies of the logQ correction, ready to train on `device`."""
    torch.manual_seed(config["seed"])
    kind, split = split_dataset(ds, config["seed"])
    histories = Histories(ds, parts_of(len(ds.interaction_user), split), config["historyLength"])
    layout = Layout(ds, histories.length)
    meta = {"name": ds.name, "fingerprint": fingerprint(ds)}
    model_json = layout.model_json(config, ds.item_ids, meta)
    towers = TwoTowers(model_json)
    initialise(towers, config["seed"])
    if weights is not None:
        try:
            towers.load_weights(weights)
        except (ValueError, RuntimeError) as problem:  # a count or a shape that differs
            raise WeightsMismatch(str(problem)) from problem
    towers.to(device)
    batches = Batches(towers, layout, ds, histories).to_device(device)
    train_rows = split[0]
    counts = torch.bincount(ds.interaction_item[train_rows], minlength=len(ds.item_ids)).double()
    # log of each item's share of the training interactions; an unseen item counts once.
    log_q = torch.log(counts.clamp(min=1) / len(train_rows)).float().to(device)
    return types.SimpleNamespace(kind=kind, split=split, histories=histories, layout=layout, meta=meta,
                                 model_json=model_json, towers=towers, batches=batches, counts=counts,
                                 log_q=log_q)


def train(ds, config, log=print, weights=None, evaluate_only=False, source=None):
    """One run as the page runs it; returns the run record (the run file's body) and the towers."""
    rank_id, world, device, group = distributed()
    main = rank_id == 0
    started = time.time()
    seed = config["seed"]
    n_rows, n_items = len(ds.interaction_user), len(ds.item_ids)
    prepared = prepare(ds, config, weights, device)
    kind, split, histories, layout = prepared.kind, prepared.split, prepared.histories, prepared.layout
    towers, batches, counts, log_q = prepared.towers, prepared.batches, prepared.counts, prepared.log_q
    model_json, meta = prepared.model_json, prepared.meta
    train_rows = split[0]
    batch_size = max(2, min(config["batchSize"], len(train_rows)))
    if batch_size % world:
        raise SystemExit(f"The batch of {batch_size} does not split evenly over {world} processes.")
    steps_per_epoch = max(1, len(train_rows) // batch_size)
    validation = build_queries(ds, split, "validation", seed)
    inspection = validation["rows"][:INSPECTION_QUERIES]

    steps = Steps(batches, config, log_q, rank_id, world, group)
    rng = mulberry32(derive_seed(seed, "batches"))
    order = train_rows.tolist()
    history, loss_curve, snapshots = [], [], []
    best = None  # (epoch, ndcg, per-query ndcg, weights)
    first = last = previous_best = None
    last_improvement, last_improved = 0, False
    end, message = "completed", None
    global_step = 0
    keep_best = config["earlyStoppingPatience"] > 0
    epochs = 0 if evaluate_only else config["epochs"]

    def validate():
        return rank(model_scorer(batches, n_items), validation, n_items, config["temperature"])

    for epoch in range(1, epochs + 1):
        shuffle_in_place(rng, order)
        epoch_order = torch.tensor(order, dtype=torch.long)
        batches.train()
        began = time.time()
        loss_sum, window = 0.0, []
        for s in range(steps_per_epoch):
            value = steps.step(epoch_order[s * batch_size : (s + 1) * batch_size])
            global_step += 1
            window.append(value)
            # Points as the page plots them: the first step alone, then means of every few steps.
            if len(window) == LOSS_READ_EVERY or global_step == 1 or s == steps_per_epoch - 1:
                if not all(math.isfinite(v) for v in window):
                    raise SystemExit(
                        f"The training loss became NaN or infinite at step {global_step}; try a lower learning rate."
                    )
                loss_sum += sum(window)
                loss_curve.append({"step": global_step, "loss": sum(window) / len(window)})
                window = []
        train_seconds = time.time() - began
        batches.eval()
        stop = torch.zeros(1)
        if main:
            ranked = validate()
            metrics = result_of(ranked)
            ndcg_per_query = ranked["perQuery"]["ndcg@10"]
            record = {
                "epoch": epoch,
                "trainLoss": loss_sum / steps_per_epoch,
                "validation": metrics,
                "trainSeconds": train_seconds,
                "examplesPerSecond": steps_per_epoch * batch_size / max(train_seconds, 1e-3),
            }
            history.append(record)
            snapshots.append({"epoch": epoch, **summarize_attention(batches, layout, inspection, n_items)})
            score = {"epoch": epoch, "ndcg": metrics["ndcg@10"]}
            previous_best = {"epoch": best[0], "ndcg": best[1]} if best else None
            improved = best is None or improves_on(ndcg_per_query, best[2])
            if improved or metrics["ndcg@10"] > best[1]:
                best = (epoch, metrics["ndcg@10"], ndcg_per_query,
                        {k: v.detach().clone() for k, v in towers.state_dict().items()})
            if improved:
                last_improvement = epoch
            first = first or score
            last, last_improved = score, improved
            log(f"epoch {epoch}: loss {record['trainLoss']:.4f}, validation Recall@10 {metrics['recall@10']:.4f} "
                f"NDCG@10 {metrics['ndcg@10']:.4f} ({record['examplesPerSecond']:,.0f} examples/s)")
            if keep_best and epoch - last_improvement >= config["earlyStoppingPatience"]:
                end = "early-stopping"
                message = (f"Validation NDCG@10 did not improve by more than its noise (one standard error) for "
                           f"{config['earlyStoppingPatience']} epoch(s); the weights of epoch {best[0]}, the best on "
                           f"validation, were restored.")
                stop[0] = 1
        if world > 1:
            dist.broadcast(stop, 0)
        if stop[0]:
            break

    if not main:
        dist.barrier()
        dist.destroy_process_group()
        return None, towers, model_json
    tested_epoch = len(history)
    if keep_best and best is not None:
        towers.load_state_dict(best[3])
        tested_epoch = best[0]
    batches.eval()
    test_queries = build_queries(ds, split, "test", seed)
    rankings = {"model": rank(model_scorer(batches, n_items), test_queries, n_items, config["temperature"])}
    popularity = counts.float()
    generator = torch.Generator().manual_seed(derive_seed(seed, "random-baseline"))

    def baselines(queries):
        return {
            "popularity": rank(lambda rows: popularity.expand(len(rows), -1), queries, n_items),
            "random": rank(lambda rows: torch.zeros(len(rows), n_items), queries, n_items,
                           lists_of=lambda rows: torch.rand(len(rows), n_items, generator=generator)),
        }

    rankings.update(baselines(test_queries))
    validation_baselines = {name: result_of(r) for name, r in baselines(validation).items()} if history else {}
    model_ranked = rankings.pop("model")
    test = {
        "model": result_of(model_ranked),
        "baselines": {name: result_of(r) for name, r in rankings.items()},
        "uncertainty": {
            "model": errors_of(model_ranked),
            "baselines": {name: errors_of(r) for name, r in rankings.items()},
            "differences": {
                name: {
                    metric: paired_difference(per_query_of(model_ranked, metric), per_query_of(r, metric))
                    for metric in COMPARED
                    if per_query_of(model_ranked, metric) is not None and per_query_of(r, metric) is not None
                }
                for name, r in rankings.items()
            },
            "coverageResamples": 0,
        },
    }
    train_seconds = sum(r["trainSeconds"] for r in history)
    examples = len(history) * steps_per_epoch * batch_size
    record = {
        "end": end,
        "message": message,
        "history": history,
        "testedEpoch": tested_epoch,
        "trend": {"first": first, "best": {"epoch": best[0], "ndcg": best[1]}, "last": last,
                  "previousBest": previous_best, "stillRising": last_improved and previous_best is not None}
        if best else None,
        "validationBaselines": validation_baselines,
        "test": test,
        "attention": {**summarize_attention(batches, layout, inspection, n_items), "snapshots": snapshots},
        "importance": [],
        "parameters": sum(p.numel() for p in towers.parameters()),
        "timing": {
            "examplesPerSecond": examples / train_seconds if train_seconds else 0,
            "secondsPerEpoch": train_seconds / len(history) if history else 0,
            "totalSeconds": time.time() - started,
        },
        "config": config,
        "dataset": {
            "name": ds.name,
            "counts": {"interactions": n_rows, "users": len(ds.user_ids), "items": n_items},
            "fields": field_summary(ds),
            "split": {"kind": kind, "train": len(split[0]), "validation": len(split[1]), "test": len(split[2])},
            "fingerprint": meta["fingerprint"],
            "source": source,
        },
        "backend": {
            "name": f"pytorch-{device.type}",
            "reason": f"train.py, PyTorch {torch.__version__}, {world} process(es) on {device.type}, "
            f"{torch.get_num_threads()} thread(s) each",
        },
        "lossCurve": loss_curve,
    }
    if world > 1:
        dist.barrier()
        dist.destroy_process_group()
    return record, towers, model_json


def recommend(ds, towers, config, users, k=20):
    """Each user's top k item ids as the page's explorer lists them: the query is the user's validation
    interaction (else their last training one) with its history; their training items are left out;
    ties go to the lower item index."""
    _, split = split_dataset(ds, config["seed"])
    histories = Histories(ds, parts_of(len(ds.interaction_user), split), config["historyLength"])
    device = next(towers.parameters()).device
    batches = Batches(towers, Layout(ds, histories.length), ds, histories).to_device(device).eval()
    scores_of = model_scorer(batches, len(ds.item_ids))
    index = {user_id: u for u, user_id in enumerate(ds.user_ids)}
    time_of = ds.interaction_time if ds.interaction_time is not None else torch.zeros(len(ds.interaction_user))
    out = {}
    for user_id in users:
        u = index.get(user_id)
        if u is None:
            raise SystemExit(f"No user {user_id!r} in the data.")
        own = split[0][ds.interaction_user[split[0]] == u].tolist()
        held = split[1][ds.interaction_user[split[1]] == u].tolist()
        if not own and not held:
            out[user_id] = []
            continue
        row = held[0] if held else max(own, key=lambda r: (float(time_of[r]), r))
        with torch.no_grad():
            scores = scores_of(torch.tensor([row])).float().cpu()
        known = torch.zeros(len(ds.item_ids), dtype=torch.bool)
        known[ds.interaction_item[own]] = True
        out[user_id] = [ds.item_ids[i] for i in top_items(scores.masked_fill(known, float("-inf")), k)[0]]
    return out


def write_outputs(record, towers, model_json, out):
    """The run file (gzipped, with weights) and, beside it, model.json + weights.bin for model.py."""
    manifest = model_json["weightsManifest"][0]["weights"]
    run = {"format": "attentive-run", "version": 3,
           "createdAt": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
           **record, "weights": encoded_weights(towers, manifest)}
    out = Path(out)
    out.write_bytes(gzip.compress(json.dumps(run, allow_nan=False).encode("utf-8")))
    towers_dir = out.parent / (out.name.split(".")[0] + "-towers")
    towers_dir.mkdir(exist_ok=True)
    (towers_dir / "model.json").write_text(json.dumps(model_json), encoding="utf-8")
    blob = b"".join(towers.parameter_of(s["name"]).detach().float().cpu().numpy().astype("<f4").tobytes()
                    for s in manifest)
    (towers_dir / "weights.bin").write_bytes(blob)
    return towers_dir


def main():
    here = Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mapping", default=str(here / "mapping.json"), help="the page's mapping.json")
    parser.add_argument("--data", default=None, help="folder of the original files (default: beside mapping.json)")
    parser.add_argument("--run", default=str(here / "run.json"), help="the page's run: its settings are used")
    parser.add_argument("--weights", default=None, help="start from these weights (the export's weights.bin)")
    parser.add_argument("--evaluate", action="store_true", help="no training: test the weights given")
    parser.add_argument("--out", default="pytorch.run.json.gz", help="the run file to write")
    parser.add_argument("--recommend", nargs="*", default=[], metavar="USER_ID",
                        help="print these users' top 20 as the page's explorer lists them")
    for key, value in DEFAULT_CONFIG.items():
        kind = (lambda s: s not in ("0", "false", "no")) if isinstance(value, bool) else type(value)
        option = "--" + "".join("-" + c.lower() if c.isupper() else c for c in key)  # batchSize: --batch-size
        parser.add_argument(option, dest=key, type=kind)
    args = parser.parse_args()
    config = dict(DEFAULT_CONFIG)
    page_run = json.loads(Path(args.run).read_text(encoding="utf-8")) if Path(args.run).exists() else None
    if page_run:
        config.update({k: v for k, v in page_run["config"].items() if k in config})
    config.update({k: getattr(args, k) for k in DEFAULT_CONFIG if getattr(args, k) is not None})
    if not Path(args.mapping).exists():
        why = Path(args.mapping).parent / "NO_MAPPING.txt"
        raise SystemExit(why.read_text(encoding="utf-8") if why.exists() else f"{args.mapping} is missing.")
    try:
        ds = data_py.load_dataset(args.mapping, args.data)
    except data_py.DataError as problem:  # bad or missing files: the message, not a traceback
        raise SystemExit(f"Could not read the data: {problem}")
    weights = Path(args.weights).read_bytes() if args.weights else None
    if args.evaluate and weights is None:
        raise SystemExit("--evaluate needs --weights (the export's weights.bin).")
    # The page finds a run's data by its source (the demo: its seed and size): the page run's, when the
    # files read here are the data it trained on.
    files = json.loads(Path(args.mapping).read_text(encoding="utf-8"))["files"]
    source = {"kind": "pytorch", "files": [f["name"] for f in files]}
    if page_run and page_run["dataset"].get("fingerprint") == fingerprint(ds):
        source = page_run["dataset"]["source"]
    try:
        record, towers, model_json = train(ds, config, weights=weights, evaluate_only=args.evaluate, source=source)
    except WeightsMismatch as problem:
        raise SystemExit(f"{args.weights} does not fit the model these files build ({problem}); were the "
                         "files or the settings changed since the export?")
    if record is None:
        return
    towers_dir = write_outputs(record, towers, model_json, args.out)
    test = record["test"]["model"]
    summary = {"out": args.out, "towers": str(towers_dir), "testedEpoch": record["testedEpoch"],
               "test": {k: test[k] for k in ("recall@10", "ndcg@10", "queries")}}
    if args.recommend:
        summary["recommendations"] = recommend(ds, towers, config, args.recommend)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
