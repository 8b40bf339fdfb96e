"""
A PyTorch SASRec reference under exactly the page's evaluation protocol (issue 11), to set the bar the
page's own sequence-aware model is measured against.

    /usr/bin/python3 bench/sasrec.py <folder with u.data> [--epochs 30] [--patience 5] [--threads 2]

Reads MovieLens-100K-shaped files: `u.data` (tab-separated user, item, rating, timestamp in epoch
seconds, no header) and, when present, `u.item` (pipe-separated, item id first, latin-1), whose items
join the catalogue even without interactions, as on the page. Prints one JSON object on stdout.

Protocol, mirrored from the page (src/data/clean.ts, src/data/split.ts, src/model/evaluate.ts,
src/model/metrics.ts):
- Repeated (user, item, timestamp) rows are dropped, the first kept (the page's default cleaning).
- Temporal leave-last-out: each user's rows sorted by timestamp, ties by file row order; the last is
  test, the second-to-last validation, the rest train. Users with fewer than 3 rows stay wholly in train.
- Full-catalogue ranking. Validation excludes the user's training items; test excludes training and
  validation items. The target itself is always ranked, even when it is also a known item (a repeat).
- Ties are ranked by expectation: the target lands uniformly among the items with its score, and
  Recall@10 / NDCG@10 are the averages over those positions (so a constant scorer is not flattered).
- Standard error of a mean over queries: sample SD (n - 1) / sqrt(n).

SASRec, from Kang & McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018:
- input: item embedding plus a learned positional embedding over the last n items (Sec. III-B);
- b stacked blocks of causal self-attention and a point-wise two-layer ReLU feed-forward network, each
  sub-layer as x + Dropout(sublayer(LayerNorm(x))) (Sec. III-C, III-D);
- the score of item i after position t is F_t . M_i with the input item embedding M shared (Sec. III-E);
- binary cross-entropy with one sampled negative item per position, Adam (Sec. III-F, IV-B: betas 0.9 and
  0.98, dropout 0.2 on MovieLens-1M, max length 200 there; 50 here as the issue asks);
- at test time the user's validation item is part of the history (Sec. IV-A). The test figure with
  train-only history is printed too: issue 11 compares the page with both.
Choices not from the paper: dimension 64 and max length 50 (the issue's bar); padded keys are masked (a
query attends to itself at least); training covers every position of each user's training sequence by
cutting it into consecutive windows of at most `max_len` targets, instead of only the last window; the
negative is drawn uniformly from items outside the user's training items.
"""

import argparse
import json
import math
import os
import re
import sys
import time
from collections import defaultdict

import numpy as np
import torch
from torch import nn

MIN_INTERACTIONS_FOR_HOLDOUT = 3
K = 10


# ---------------------------------------------------------------- data and protocol


def read_interactions(folder):
    """Rows of u.data as (user id, item id, timestamp) in file order, and the catalogue's item ids."""
    path = os.path.join(folder, "u.data")
    rows = []
    with open(path, encoding="utf-8") as f:
        for line_number, line in enumerate(f, start=1):
            line = line.rstrip("\n\r")
            if not line:
                continue
            cells = line.split("\t")
            if len(cells) < 4:
                sys.exit(f"{path}: row {line_number}: expected 4 tab-separated columns, found {len(cells)}")
            try:
                timestamp = float(cells[3])
            except ValueError:
                sys.exit(f"{path}: row {line_number}, column 4 (timestamp): not a number: {cells[3]!r}")
            rows.append((cells[0], cells[1], timestamp))
    catalogue = []
    item_file = os.path.join(folder, "u.item")
    if os.path.exists(item_file):
        with open(item_file, encoding="latin-1") as f:
            catalogue = [line.split("|", 1)[0] for line in f if line.strip()]
    return rows, catalogue


def drop_duplicates(rows):
    """Rows that do not repeat an earlier (user, item, timestamp), in file order."""
    seen = set()
    kept = []
    for row in rows:
        if row not in seen:
            seen.add(row)
            kept.append(row)
    return kept


class Dataset:
    """Interactions encoded as indices: users and items numbered by first appearance."""

    def __init__(self, rows, catalogue=()):
        self.user_ids, self.item_ids = [], []
        user_index, item_index = {}, {}
        for item in catalogue:
            if item not in item_index:
                item_index[item] = len(self.item_ids)
                self.item_ids.append(item)
        self.user, self.item, self.time = [], [], []
        for user, item, timestamp in rows:
            if user not in user_index:
                user_index[user] = len(self.user_ids)
                self.user_ids.append(user)
            if item not in item_index:
                item_index[item] = len(self.item_ids)
                self.item_ids.append(item)
            self.user.append(user_index[user])
            self.item.append(item_index[item])
            self.time.append(timestamp)

    @property
    def n_users(self):
        return len(self.user_ids)

    @property
    def n_items(self):
        return len(self.item_ids)


def leave_last_out(data):
    """Row indices of train, validation and test (validation[k] and test[k] are the same user's)."""
    by_user = defaultdict(list)
    for r in range(len(data.user)):
        by_user[data.user[r]].append(r)
    train, validation, test = [], [], []
    for u in range(data.n_users):
        # sorted() is stable and the rows are in file order, so ties in time keep row order.
        rows = sorted(by_user[u], key=lambda r: data.time[r])
        if len(rows) < MIN_INTERACTIONS_FOR_HOLDOUT:
            train.extend(rows)
            continue
        train.extend(rows[:-2])
        validation.append(rows[-2])
        test.append(rows[-1])
    return train, validation, test


def sequences(data, rows):
    """Per user, the items of `rows` in time order (ties by row order)."""
    out = [[] for _ in range(data.n_users)]
    for r in sorted(rows, key=lambda r: (data.time[r], r)):
        out[data.user[r]].append(data.item[r])
    return out


def known_items(data, parts):
    """Per user, the set of items in the given row lists (excluded from that user's ranking)."""
    out = [set() for _ in range(data.n_users)]
    for rows in parts:
        for r in rows:
            out[data.user[r]].add(data.item[r])
    return out


def queries(data, held_out, known):
    """(user, target item, excluded item indices) per held-out row."""
    return [(data.user[r], data.item[r], sorted(known[data.user[r]])) for r in held_out]


# ---------------------------------------------------------------- metrics


def target_rank(scores, target, excluded):
    """(greater, ties): candidates scored above and equal to the target, excluded items and the target
    itself not counted. `scores` is a 1-D tensor over the catalogue."""
    candidate = torch.ones_like(scores, dtype=torch.bool)
    if excluded:
        candidate[torch.as_tensor(excluded, dtype=torch.long)] = False
    candidate[target] = False
    t = scores[target]
    greater = int(((scores > t) & candidate).sum())
    ties = int(((scores == t) & candidate).sum())
    return greater, ties


def expected_recall(greater, ties, k=K):
    """Expected hit@k with the target placed uniformly among its ties (one relevant item: recall = hit)."""
    positions = ties + 1
    return max(0, min(k, greater + positions) - greater) / positions


def expected_ndcg(greater, ties, k=K):
    positions = ties + 1
    total = sum(1 / math.log2(p + 2) for p in range(greater, min(k, greater + positions)))
    return total / positions


def mean_and_se(values):
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, float("nan")
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, sd / math.sqrt(n)


def evaluate(score_batch, query_list, batch_size=256):
    """Recall@10 and NDCG@10 with standard errors. `query_list` holds (user, target, excluded) triples;
    `score_batch(start, batch)` returns [len(batch), items] scores for query_list[start:start + len(batch)]."""
    recalls, ndcgs = [], []
    for start in range(0, len(query_list), batch_size):
        batch = query_list[start : start + batch_size]
        scores = score_batch(start, batch)
        for row, (_, target, excluded) in zip(scores, batch):
            greater, ties = target_rank(row, target, excluded)
            recalls.append(expected_recall(greater, ties))
            ndcgs.append(expected_ndcg(greater, ties))
    recall, recall_se = mean_and_se(recalls)
    ndcg, ndcg_se = mean_and_se(ndcgs)
    return {"queries": len(recalls), "recall@10": recall, "recall@10_se": recall_se,
            "ndcg@10": ndcg, "ndcg@10_se": ndcg_se}


# ---------------------------------------------------------------- SASRec


class CausalSelfAttention(nn.Module):
    """One head: position t attends to positions <= t that are not padding (and always to itself)."""

    def __init__(self, dim):
        super().__init__()
        self.query = nn.Linear(dim, dim)
        self.key = nn.Linear(dim, dim)
        self.value = nn.Linear(dim, dim)
        self.scale = 1 / math.sqrt(dim)

    def forward(self, x, padding):
        # x: [batch, length, dim]; padding: [batch, length], True where there is no item.
        length = x.shape[1]
        logits = self.query(x) @ self.key(x).transpose(1, 2) * self.scale
        future = torch.triu(torch.ones(length, length, dtype=torch.bool, device=x.device), diagonal=1)
        blocked = future.unsqueeze(0) | padding.unsqueeze(1)
        blocked = blocked & ~torch.eye(length, dtype=torch.bool, device=x.device).unsqueeze(0)
        weights = torch.softmax(logits.masked_fill(blocked, float("-inf")), dim=-1)
        return weights @ self.value(x)


class Block(nn.Module):
    def __init__(self, dim, dropout):
        super().__init__()
        self.attention_norm = nn.LayerNorm(dim)
        self.attention = CausalSelfAttention(dim)
        self.feed_forward_norm = nn.LayerNorm(dim)
        self.feed_forward = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(dim, dim))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, padding):
        x = x + self.dropout(self.attention(self.attention_norm(x), padding))
        x = x + self.dropout(self.feed_forward(self.feed_forward_norm(x)))
        # Padded positions stay zero so they carry nothing into the next block.
        return x.masked_fill(padding.unsqueeze(-1), 0.0)


class SASRec(nn.Module):
    """Item indices are shifted by one: 0 is padding (sequences are left-padded)."""

    def __init__(self, n_items, dim=64, max_len=50, blocks=2, dropout=0.2):
        super().__init__()
        self.items = nn.Embedding(n_items + 1, dim, padding_idx=0)
        self.positions = nn.Embedding(max_len, dim)
        self.dropout = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(Block(dim, dropout) for _ in range(blocks))
        self.final_norm = nn.LayerNorm(dim)
        # Small initial embeddings (Glorot), so initial logits are near 0 rather than ~sqrt(dim).
        nn.init.xavier_normal_(self.items.weight)
        nn.init.xavier_normal_(self.positions.weight)
        with torch.no_grad():
            self.items.weight[0].zero_()

    def forward(self, sequence):
        """sequence: [batch, length] shifted item indices -> hidden states [batch, length, dim]."""
        padding = sequence == 0
        positions = torch.arange(sequence.shape[1], device=sequence.device)
        x = self.dropout(self.items(sequence) + self.positions(positions).unsqueeze(0))
        x = x.masked_fill(padding.unsqueeze(-1), 0.0)
        for block in self.blocks:
            x = block(x, padding)
        return self.final_norm(x)

    def score_catalogue(self, sequence):
        """Scores of every real item after the last position: [batch, n_items] (unshifted indices)."""
        last = self.forward(sequence)[:, -1, :]
        return last @ self.items.weight[1:].T


def left_pad(items, max_len):
    """The last `max_len` items, shifted by one and left-padded with 0."""
    items = items[-max_len:]
    return [0] * (max_len - len(items)) + [i + 1 for i in items]


def training_windows(train_sequences, max_len):
    """(user, inputs, targets) windows covering every position of every training sequence once: the
    targets s[1:] cut into consecutive runs of at most `max_len`, the last run ending at the end."""
    windows = []
    for user, items in enumerate(train_sequences):
        for end in range(len(items), 1, -max_len):
            begin = max(1, end - max_len)
            windows.append((user, items[begin - 1 : end - 1], items[begin:end]))
    return windows


def train_sasrec(data, train_rows, validation_queries, args, log):
    rng = np.random.default_rng(args.seed)
    torch.manual_seed(args.seed)
    train_sequences = sequences(data, train_rows)
    train_known = [np.array(sorted(s), dtype=np.int64) for s in known_items(data, [train_rows])]
    windows = training_windows(train_sequences, args.max_len)
    model = SASRec(data.n_items, args.dim, args.max_len, args.blocks, args.dropout)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98))
    history = [left_pad(train_sequences[u], args.max_len) for u in range(data.n_users)]

    def score_validation(start, batch):
        with torch.no_grad():
            return model.score_catalogue(torch.tensor([history[u] for u, _, _ in batch]))

    best, best_state, best_epoch, waited, epochs = None, None, 0, 0, []
    examples = 0
    started = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = rng.permutation(len(windows))
        loss_sum, positions = 0.0, 0
        for start in range(0, len(order), args.batch_size):
            batch = [windows[k] for k in order[start : start + args.batch_size]]
            inputs = torch.tensor([left_pad(w[1], args.max_len) for w in batch])
            targets = torch.tensor([left_pad(w[2], args.max_len) for w in batch])
            negatives = torch.tensor([left_pad(sample_negatives(rng, len(w[2]), data.n_items, train_known[w[0]]),
                                               args.max_len) for w in batch])
            hidden = model(inputs)
            real = targets != 0
            positive_logits = (hidden * model.items(targets)).sum(-1)[real]
            negative_logits = (hidden * model.items(negatives)).sum(-1)[real]
            loss = nn.functional.binary_cross_entropy_with_logits(
                torch.cat([positive_logits, negative_logits]),
                torch.cat([torch.ones_like(positive_logits), torch.zeros_like(negative_logits)]),
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += float(loss) * int(real.sum())
            positions += int(real.sum())
        examples += positions
        model.eval()
        validation = evaluate(score_validation, validation_queries)
        epochs.append({"epoch": epoch, "loss": loss_sum / positions, "validation_ndcg@10": validation["ndcg@10"]})
        log(f"epoch {epoch}: loss {loss_sum / positions:.4f}, validation NDCG@10 {validation['ndcg@10']:.4f}, "
            f"{time.perf_counter() - started:.1f} s")
        if best is None or validation["ndcg@10"] > best["ndcg@10"]:
            best, best_epoch, waited = validation, epoch, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            waited += 1
            if waited >= args.patience:
                break
    seconds = time.perf_counter() - started
    model.load_state_dict(best_state)
    model.eval()
    return model, {"validation": best, "best_epoch": best_epoch, "epochs_run": len(epochs),
                   "training_windows": len(windows), "positions_per_epoch": positions,
                   "seconds": seconds, "positions_per_second": examples / seconds, "curve": epochs}


def sample_negatives(rng, count, n_items, known_sorted):
    """`count` items drawn uniformly from those outside `known_sorted` (rejection sampling)."""
    out = []
    while len(out) < count:
        candidates = rng.integers(0, n_items, size=2 * (count - len(out)) + 4)
        at = np.searchsorted(known_sorted, candidates)
        hit = (at < len(known_sorted)) & (known_sorted[np.minimum(at, len(known_sorted) - 1)] == candidates)
        out.extend(candidates[~hit][: count - len(out)].tolist())
    return out


# ---------------------------------------------------------------- main


def blas_name():
    """BLAS and LAPACK as torch reports them, e.g. 'BLAS_INFO=generic, LAPACK_INFO=generic' (Debian's
    build: a reference BLAS, far slower than MKL or OpenBLAS)."""
    config = torch.__config__.show()
    found = re.findall(r"\b(?:BLAS_INFO|LAPACK_INFO)=[^,\s]*", config)
    return ", ".join(found) if found else "unknown (see torch.__config__.show())"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--epochs", type=int, default=30, help="cap on training epochs")
    parser.add_argument("--patience", type=int, default=5, help="epochs without a better validation NDCG@10")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--max-len", type=int, default=50)
    parser.add_argument("--blocks", type=int, default=2)
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    def log(message):
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    log(torch.__config__.show())
    raw, catalogue = read_interactions(args.folder)
    rows = drop_duplicates(raw)
    data = Dataset(rows, catalogue)
    train, validation, test = leave_last_out(data)
    train_known = known_items(data, [train])
    test_known = known_items(data, [train, validation])
    validation_queries = queries(data, validation, train_known)
    test_queries = queries(data, test, test_known)

    counts = torch.zeros(data.n_items)
    for r in train:
        counts[data.item[r]] += 1
    popular = lambda start, batch: counts.expand(len(batch), -1)
    popular_started = time.perf_counter()
    popular_result = {"validation": evaluate(popular, validation_queries), "test": evaluate(popular, test_queries)}
    popular_result["seconds"] = time.perf_counter() - popular_started

    model, sasrec = train_sasrec(data, train, validation_queries, args, log)
    train_sequences = sequences(data, train)
    with_validation = sequences(data, train + validation)

    def scorer(history):
        def score(start, batch):
            with torch.no_grad():
                return model.score_catalogue(torch.tensor([left_pad(history[u], args.max_len) for u, _, _ in batch]))
        return score

    sasrec["test"] = evaluate(scorer(with_validation), test_queries)
    sasrec["test_train_only_history"] = evaluate(scorer(train_sequences), test_queries)

    result = {
        "protocol": "temporal leave-last-out per user (ties by file row order; users with < 3 rows all in "
                    "train); full catalogue; validation excludes training items, test excludes training and "
                    "validation items; ties ranked by expectation; SE = sample SD / sqrt(n); SASRec test "
                    "history includes the validation item unless noted",
        "folder": args.folder,
        "counts": {"rows": len(raw), "duplicates_dropped": len(raw) - len(rows), "users": data.n_users,
                   "items": data.n_items, "train": len(train), "validation": len(validation), "test": len(test)},
        "settings": {k: getattr(args, k) for k in
                     ("epochs", "patience", "seed", "dim", "max_len", "blocks", "dropout", "lr", "batch_size")},
        "models": {"popular": popular_result, "sasrec": sasrec},
        "torch": torch.__version__,
        "blas": blas_name(),
        "threads": torch.get_num_threads(),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
