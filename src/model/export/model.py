"""The two towers of a model exported from the Attentive Recommendation Playground, in PyTorch.

Reads the export's `model.json` (each tower's tokens, vocabularies and table slices, the config) and
`weights.bin` (float32, little-endian, in the order of model.json's weightsManifest), and computes the
same user and item embeddings as the page, with the same maths (the playground's tests check them to
1e-5). The steps of a tower are those written at the top of score.js.

    from model import TwoTowers
    towers = TwoTowers.from_export("path/to/unzipped/export")
    users = towers.embed_users([{"features": {"age_band": "25-34", "device": "tablet"},
                                 "history": ["O00306", "O00112"]}])     # [1, dim]
    items = towers.embed_items([{"offer_id": "O00304", "category": "fuel"}])  # [1, dim]
    scores = users @ items.T                                               # cosine similarity

Command line (used by the playground's tests): python3 model.py EXPORT_DIR INPUTS.json OUT.bin
embeds INPUTS.json's {"users": [...], "items": [...]}, writes both embeddings, float32, users first, and
prints the values no field knew (they were scored as missing) as JSON.
"""

import json
import math
import struct
import sys
from pathlib import Path

import torch
from torch import nn

# Added to the attention logits of absent tokens (empty history slots), as in training.
ABSENT_LOGIT = -1e4
LAYER_NORM_EPSILON = 1e-5


class AttentionLayer(nn.Module):
    """Multi-head self-attention over a tower's tokens, then a residual connection and layer norm."""

    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        # Stored as the page stores them: x @ w, w of shape [in, out].
        self.wq = nn.Parameter(torch.zeros(dim, dim))
        self.wk = nn.Parameter(torch.zeros(dim, dim))
        self.wv = nn.Parameter(torch.zeros(dim, dim))
        self.wo = nn.Parameter(torch.zeros(dim, dim))
        self.gamma = nn.Parameter(torch.ones(dim))
        self.beta = nn.Parameter(torch.zeros(dim))

    def forward(self, x, present):
        n, t, dim = x.shape
        head_dim = dim // self.heads

        def split(w):  # [n, t, dim] -> [n, heads, t, head_dim]
            return (x @ w).reshape(n, t, self.heads, head_dim).transpose(1, 2)

        q, k, v = split(self.wq), split(self.wk), split(self.wv)
        logits = q @ k.transpose(-1, -2) / math.sqrt(head_dim)
        logits = logits + ((1 - present) * ABSENT_LOGIT).reshape(n, 1, 1, t)
        # An absent token's own output is never used; its row is zeroed, as in the page.
        attention = torch.softmax(logits, dim=-1) * present.reshape(n, 1, t, 1)
        mixed = (attention @ v).transpose(1, 2).reshape(n, t, dim)
        residual = x + mixed @ self.wo
        mean = residual.mean(-1, keepdim=True)
        variance = residual.var(-1, unbiased=False, keepdim=True)
        out = (residual - mean) / torch.sqrt(variance + LAYER_NORM_EPSILON) * self.gamma + self.beta
        return out, attention  # attention: [n, heads, t, t], row = the token attending


class Tower(nn.Module):
    """Field tokens -> self-attention layers -> attention pooling -> MLP -> L2 normalisation."""

    def __init__(self, spec, dim, heads, mlp_hidden, table_rows):
        super().__init__()
        self.tokens = spec["tokens"]
        self.position_tokens = spec["positionTokens"]
        self.embeddings = nn.Parameter(torch.zeros(table_rows, dim))
        self.positions = nn.Parameter(torch.zeros(self.position_tokens, dim)) if self.position_tokens else None
        self.layers = nn.ModuleList(AttentionLayer(dim, heads) for _ in range(spec["layers"]))
        self.pool_query = nn.Parameter(torch.zeros(dim, 1))
        self.w1 = nn.Parameter(torch.zeros(dim, mlp_hidden))
        self.b1 = nn.Parameter(torch.zeros(mlp_hidden))
        self.w2 = nn.Parameter(torch.zeros(mlp_hidden, dim))
        self.b2 = nn.Parameter(torch.zeros(dim))

    def forward(self, tokens, present, details=False):
        """tokens [n, tokens, dim] (already looked up), present [n, tokens]: 0 for an absent slot.

        Returns the embeddings [n, dim]; with `details`, also the pooling weights [n, tokens] and each
        layer's attention [n, heads, tokens, tokens] (what the page's heatmaps show).
        """
        n, t, dim = tokens.shape
        x = tokens
        if self.positions is not None:
            x = x + torch.cat([self.positions.new_zeros(t - self.position_tokens, dim), self.positions])
        attentions = []
        for layer in self.layers:
            x, attention = layer(x, present)
            attentions.append(attention)
        pool_logits = (x @ self.pool_query).reshape(n, t) / math.sqrt(dim) + (1 - present) * ABSENT_LOGIT
        pool_weights = torch.softmax(pool_logits, dim=-1)
        pooled = (x * pool_weights.unsqueeze(2)).sum(1)
        out = torch.relu(pooled @ self.w1 + self.b1) @ self.w2 + self.b2
        embedding = out / torch.sqrt((out * out).sum(1, keepdim=True) + 1e-12)
        return (embedding, pool_weights, attentions) if details else embedding


class TwoTowers(nn.Module):
    def __init__(self, model_json):
        super().__init__()
        config = model_json["config"]
        self.spec = model_json
        shapes = {w["name"]: w["shape"] for w in model_json["weightsManifest"][0]["weights"]}
        dim, heads, hidden = config["dim"], config["heads"], config["mlpHidden"]
        towers = model_json["towers"]
        self.user = Tower(towers["user"], dim, heads, hidden, shapes["user/embeddings"][0])
        self.item = Tower(towers["item"], dim, heads, hidden, shapes["item/embeddings"][0])
        self.item_id = towers["item"]["tokens"][0]
        # Values a field never saw, by field: scored as missing (a numeric field takes its bucket label).
        self.unknown = {}
        for token in [*towers["user"]["tokens"], *towers["item"]["tokens"]]:
            if "vocabulary" in token:
                token["index"] = {label: i for i, label in enumerate(token["vocabulary"])}

    @classmethod
    def from_export(cls, directory):
        directory = Path(directory)
        model_json = json.loads((directory / "model.json").read_text(encoding="utf-8"))
        towers = cls(model_json)
        towers.load_weights((directory / "weights.bin").read_bytes())
        return towers.eval()

    def parameter_of(self, name):
        """The parameter the page calls `name` ("user/l0/wq", "item/mlp/b2", ...)."""
        tower_name, *path = name.split("/")
        tower = getattr(self, tower_name)
        if path[0].startswith("l") and path[0][1:].isdigit():
            return getattr(tower.layers[int(path[0][1:])], path[1])
        if path[0] == "mlp":
            return getattr(tower, path[1])
        return getattr(tower, path[0])

    def load_weights(self, data):
        offset = 0
        values = torch.frombuffer(bytearray(data), dtype=torch.float32)
        with torch.no_grad():
            for spec in self.spec["weightsManifest"][0]["weights"]:
                size = math.prod(spec["shape"])
                self.parameter_of(spec["name"]).copy_(values[offset : offset + size].reshape(spec["shape"]))
                offset += size
        if offset != len(values):
            raise ValueError(f"weights.bin holds {len(values)} values; the manifest lists {offset}")

    def row_of(self, token, label):
        """The table row of a value: its index in the vocabulary (unknown: 0), folded into the slice."""
        index = self.index_of(token, label)
        rows = token["rows"]
        return token["offset"] + (index if index < rows else 1 + (index - 1) % (rows - 1))

    def index_of(self, token, label):
        """A value's index in its field's vocabulary; one the field never saw is 0 (missing) and noted."""
        if label is None or label == "":
            return 0
        index = token["index"].get(str(label))
        if index is None:
            self.unknown.setdefault(token["name"], set()).add(str(label))
            return 0
        return index

    def unknown_values(self):
        """Values passed that a field never saw (scored as missing), by field, at most 20 each."""
        return {field: sorted(values)[:20] for field, values in self.unknown.items()}

    def look_up(self, tower, examples, values_of):
        """Tokens [n, tokens, dim] and presence [n, tokens] of examples, as the page builds them."""
        vectors, present = [], []
        item_table = self.item.embeddings
        for example in examples:
            row_vectors, row_present = [], []
            for token in tower.tokens:
                values = values_of(example, token)
                if token["kind"] == "history":
                    known = bool(values) and self.index_of(self.item_id, values[0]) > 0
                    row = self.row_of(self.item_id, values[0]) if known else 0
                    row_vectors.append(item_table[row])
                    row_present.append(1.0 if known else 0.0)
                    continue
                width = token.get("width", 1) if token["kind"] == "multi" else 1
                rows = [self.row_of(token, v) for v in values[:width]] or [self.row_of(token, None)]
                row_vectors.append(tower.embeddings[rows].mean(0))
                row_present.append(1.0)
            vectors.append(torch.stack(row_vectors))
            present.append(row_present)
        return torch.stack(vectors), torch.tensor(present)

    @torch.no_grad()
    def embed_users(self, users):
        """Each user: {"features": {field: value or [values]}, "history": [item ids, newest first]}."""

        def values_of(user, token):
            if token["kind"] == "history":
                k = int(token["name"][len("history_") :]) - 1
                history = user.get("history") or []
                return [history[k]] if k < len(history) else []
            return as_list(user.get("features", {}).get(token["name"]))

        return self.user(*self.look_up(self.user, users, values_of))

    @torch.no_grad()
    def embed_items(self, items):
        """Each item: {field: value or [values]}, its id under the first field's name."""
        return self.item(*self.look_up(self.item, items, lambda item, token: as_list(item.get(token["name"]))))


def as_list(value):
    return value if isinstance(value, list) else [] if value is None else [value]


if __name__ == "__main__":
    export_dir, inputs_path, out_path = sys.argv[1:4]
    towers = TwoTowers.from_export(export_dir)
    inputs = json.loads(Path(inputs_path).read_text(encoding="utf-8"))
    out = torch.cat([towers.embed_users(inputs["users"]), towers.embed_items(inputs["items"])])
    Path(out_path).write_bytes(struct.pack(f"<{out.numel()}f", *out.flatten().tolist()))
    print(json.dumps({"unknownValues": towers.unknown_values()}))
