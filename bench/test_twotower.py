"""Checks of bench/twotower.py on tiny batches: /usr/bin/python3 -m unittest bench/test_twotower.py"""

import math
import os
import sys
import unittest

try:
    import torch
except ImportError:  # the bench's PyTorch side is optional
    torch = None

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
if torch is not None:
    import twotower  # noqa: E402

TINY = dict(batch=6, dim=8, heads=2, layers=1, mlp_hidden=12, history=5, user_fields=3, item_fields=2,
            user_rows=60, item_rows=40)


def tiny_model(**overrides):
    torch.manual_seed(0)
    config = twotower.Config(**{**TINY, **overrides})
    return config, twotower.TwoTower(config)


@unittest.skipIf(torch is None, "torch is not installed")
class LossTest(unittest.TestCase):
    def test_loss_matches_the_formula_by_hand(self):
        torch.manual_seed(1)
        users = twotower.l2_normalise(torch.randn(4, 3))
        items_emb = twotower.l2_normalise(torch.randn(4, 3))
        items = torch.tensor([7, 2, 7, 5])  # rows 0 and 2 hold the same item: an accidental hit each
        log_q = torch.tensor([-1.0, -2.0, -1.0, -0.5])
        temperature = 0.1
        loss = twotower.in_batch_softmax_loss(users, items_emb, items, temperature, log_q).item()

        total = 0.0
        for i in range(4):
            logits = []
            for j in range(4):
                if j != i and items[j] == items[i]:
                    continue  # masked: contributes exp(-1e9) = 0
                dot = sum(users[i, d].item() * items_emb[j, d].item() for d in range(3))
                logits.append((j, dot / temperature - log_q[j].item()))
            positive = dict(logits)[i]
            total += math.log(sum(math.exp(value) for _, value in logits)) - positive
        self.assertAlmostEqual(loss, total / 4, places=4)

    def test_hits_exclude_the_diagonal(self):
        hits = twotower.accidental_hits(torch.tensor([3, 3, 4]))
        self.assertEqual(hits.tolist(), [[False, True, False], [True, False, False], [False, False, False]])


@unittest.skipIf(torch is None, "torch is not installed")
class TowerTest(unittest.TestCase):
    def test_padding_slots_change_nothing(self):
        config, model = tiny_model()
        batch = twotower.make_batches(config, 1, seed=3)[0]
        # At most 2 items present per row, so slots 2..4 are padding (row 0 of the item table).
        batch["history"][:, 2:] = 0
        batch["history"][0, :2] = 0  # one user with no history at all
        with torch.no_grad():
            users, _ = model.embed(batch)
            # Fewer padding slots: the first 2 history slots only.
            shorter = dict(batch, history=batch["history"][:, :2])
            users_short, _ = model.embed(shorter)
            # The padding row's own values do not leak in either.
            model.item_table.weight[0] += 5.0
            users_moved, _ = model.embed(batch)
        torch.testing.assert_close(users_short, users, atol=1e-6, rtol=1e-5)
        torch.testing.assert_close(users_moved, users, atol=1e-6, rtol=1e-5)

    def test_embeddings_are_unit_vectors(self):
        config, model = tiny_model()
        with torch.no_grad():
            users, items = model.embed(twotower.make_batches(config, 1)[0])
        torch.testing.assert_close(users.norm(dim=1), torch.ones(config.batch))
        torch.testing.assert_close(items.norm(dim=1), torch.ones(config.batch))

    def test_history_tokens_get_item_table_gradients(self):
        config, model = tiny_model(sparse_tables=False)
        batch = twotower.make_batches(config, 1, seed=4)[0]
        # Item rows used only as history, never as one of the batch's own item tokens.
        own = set(batch["item_rows"].flatten().tolist())
        history_only = sorted(set(batch["history"].flatten().tolist()) - own - {0})
        self.assertTrue(history_only)
        model.loss(batch).backward()
        grad = model.item_table.weight.grad
        self.assertTrue(all(grad[row].abs().sum() > 0 for row in history_only))
        if 0 not in own:
            self.assertEqual(grad[0].abs().sum().item(), 0.0)  # padding slots get no gradient
        self.assertIsNotNone(model.user.positions.grad)


@unittest.skipIf(torch is None, "torch is not installed")
class StepTest(unittest.TestCase):
    def check_step_lowers_loss(self, sparse):
        config, model = tiny_model(batch=32, sparse_tables=sparse)
        batch = twotower.make_batches(config, 1, seed=5)[0]
        optimisers = twotower.make_optimisers(model)
        before = twotower.train_step(model, optimisers, batch).item()
        with torch.no_grad():
            after = model.loss(batch).item()
        self.assertLess(after, before)

    def test_sparse_adam_step_lowers_the_loss(self):
        self.check_step_lowers_loss(sparse=True)

    def test_dense_adam_step_lowers_the_loss(self):
        self.check_step_lowers_loss(sparse=False)

    def test_sparse_adam_only_moves_the_rows_used(self):
        config, model = tiny_model()
        batch = twotower.make_batches(config, 1, seed=6)[0]
        before = model.user_table.weight.detach().clone()
        twotower.train_step(model, twotower.make_optimisers(model), batch)
        moved = (model.user_table.weight.detach() != before).any(1).nonzero().flatten().tolist()
        self.assertEqual(moved, sorted(set(batch["user_rows"].flatten().tolist())))


@unittest.skipIf(torch is None, "torch is not installed")
class InputsTest(unittest.TestCase):
    def test_batches_stay_in_their_tables_and_hold_hits(self):
        config = twotower.Config()
        batches = twotower.make_batches(config, 3)
        for b in batches:
            self.assertEqual(tuple(b["user_rows"].shape), (512, 7))
            self.assertEqual(tuple(b["item_rows"].shape), (512, 7))
            self.assertEqual(tuple(b["history"].shape), (512, 20))
            self.assertLess(b["user_rows"].max().item(), config.user_rows)
            self.assertLess(b["item_rows"].max().item(), config.item_rows)
            self.assertGreater(twotower.accidental_hits(b["items"]).sum().item(), 0)
        counts = torch.cat([(b["history"] > 0).sum(1) for b in batches])
        self.assertEqual(counts.min().item(), 0)
        self.assertEqual(counts.max().item(), 20)

    def test_settling_rule(self):
        self.assertFalse(twotower.settled([10.0] * 9))
        self.assertTrue(twotower.settled([10.0] * 10))
        self.assertFalse(twotower.settled([20.0] * 5 + [10.0] * 5))


if __name__ == "__main__":
    unittest.main()
