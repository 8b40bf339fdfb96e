"""Checks of bench/sasrec.py on hand-made data: /usr/bin/python3 -m unittest bench/test_sasrec.py"""

import math
import os
import sys
import tempfile
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sasrec  # noqa: E402

# user, item, rating, timestamp. User 1 has three rows at time 300 in row order 30, 40, 10; user 2 has
# two rows (too few to hold out); user 3 repeats (3, 20, 100) exactly, which the page drops.
U_DATA = """1\t10\t5\t100
1\t20\t4\t200
1\t30\t3\t300
1\t40\t3\t300
2\t10\t1\t50
1\t10\t2\t300
2\t20\t1\t40
3\t20\t5\t100
3\t20\t5\t100
3\t50\t5\t90
3\t30\t5\t110
3\t40\t5\t120
"""


def hand_made():
    folder = tempfile.mkdtemp()
    with open(os.path.join(folder, "u.data"), "w", encoding="utf-8") as f:
        f.write(U_DATA)
    raw, catalogue = sasrec.read_interactions(folder)
    rows = sasrec.drop_duplicates(raw)
    return raw, rows, sasrec.Dataset(rows, catalogue)


def items_of(data, rows):
    return [data.item_ids[data.item[r]] for r in rows]


class SplitTest(unittest.TestCase):
    def test_ties_in_time_keep_file_row_order_and_short_users_stay_in_train(self):
        raw, rows, data = hand_made()
        self.assertEqual(len(raw) - len(rows), 1)
        train, validation, test = sasrec.leave_last_out(data)
        # User 1 in time order: 10 (100), 20 (200), then 30, 40, 10 tied at 300 in row order.
        self.assertEqual(items_of(data, validation), ["40", "30"])
        self.assertEqual(items_of(data, test), ["10", "40"])
        train_by_user = sasrec.sequences(data, train)
        self.assertEqual([data.item_ids[i] for i in train_by_user[0]], ["10", "20", "30"])
        self.assertEqual([data.item_ids[i] for i in train_by_user[1]], ["20", "10"])
        self.assertEqual([data.item_ids[i] for i in train_by_user[2]], ["50", "20"])

    def test_validation_excludes_training_items_and_test_also_validation_items(self):
        _, _, data = hand_made()
        train, validation, test = sasrec.leave_last_out(data)
        ids = lambda indices: sorted(data.item_ids[i] for i in indices)
        v = sasrec.queries(data, validation, sasrec.known_items(data, [train]))
        t = sasrec.queries(data, test, sasrec.known_items(data, [train, validation]))
        self.assertEqual([(data.item_ids[q[1]], ids(q[2])) for q in v], [("40", ["10", "20", "30"]), ("30", ["20", "50"])])
        # User 1's test item (10) is also a training item: it is excluded as a competitor but still ranked.
        self.assertEqual([(data.item_ids[q[1]], ids(q[2])) for q in t],
                         [("10", ["10", "20", "30", "40"]), ("40", ["20", "30", "50"])])


class MetricsTest(unittest.TestCase):
    def test_rank_skips_excluded_items_and_counts_ties(self):
        scores = torch.tensor([0.9, 0.5, 0.7, 0.7, 0.1])
        self.assertEqual(sasrec.target_rank(scores, 3, [0]), (0, 1))
        self.assertEqual(sasrec.target_rank(scores, 3, []), (1, 1))
        # The target is ranked even when it is among the excluded (known) items.
        self.assertEqual(sasrec.target_rank(scores, 3, [0, 3]), (0, 1))

    def test_expected_recall_and_ndcg_by_hand(self):
        self.assertAlmostEqual(sasrec.expected_ndcg(0, 1), (1 + 1 / math.log2(3)) / 2)
        self.assertEqual(sasrec.expected_recall(0, 1), 1)
        # Ranks 10 and 11 equally likely: half a hit, half of rank 10's gain.
        self.assertAlmostEqual(sasrec.expected_recall(9, 1), 0.5)
        self.assertAlmostEqual(sasrec.expected_ndcg(9, 1), 1 / math.log2(11) / 2)
        self.assertEqual(sasrec.expected_recall(10, 0), 0)
        # A constant scorer over 100 candidates: 10 of 101 positions are hits.
        self.assertAlmostEqual(sasrec.expected_recall(0, 100), 10 / 101)

    def test_evaluate_means_and_standard_errors(self):
        scores = torch.tensor([[3.0, 2.0, 1.0], [3.0, 2.0, 1.0]])
        # Query 1: target ranked first. Query 2: item 0 excluded, target 2 ranked second.
        result = sasrec.evaluate(lambda start, batch: scores[: len(batch)], [(0, 0, []), (1, 2, [0])])
        self.assertAlmostEqual(result["recall@10"], 1)
        self.assertAlmostEqual(result["ndcg@10"], (1 + 1 / math.log2(3)) / 2)
        self.assertAlmostEqual(result["ndcg@10_se"], (1 - 1 / math.log2(3)) / 2)


class SASRecTest(unittest.TestCase):
    def test_later_items_do_not_change_earlier_positions(self):
        torch.manual_seed(0)
        model = sasrec.SASRec(n_items=20, dim=16, max_len=8).eval()
        sequence = torch.tensor([[0, 0, 3, 5, 7, 2, 9, 4]])
        changed = sequence.clone()
        changed[0, 6] = 11
        with torch.no_grad():
            before, after = model(sequence), model(changed)
        self.assertTrue(torch.allclose(before[:, :6], after[:, :6], atol=1e-6))
        self.assertFalse(torch.allclose(before[:, 6:], after[:, 6:], atol=1e-3))

    def test_windows_cover_every_training_position_once(self):
        items = list(range(120))
        windows = sasrec.training_windows([items, [7]], max_len=50)
        targets = sorted(t for _, _, ts in windows for t in ts)
        self.assertEqual(targets, items[1:])
        for user, inputs, window_targets in windows:
            self.assertEqual(user, 0)
            self.assertLessEqual(len(inputs), 50)
            self.assertEqual([t - 1 for t in window_targets], inputs)

    def test_learns_a_successor_chain_that_popularity_cannot(self):
        # Every user walks items k, k+1, k+2, ... (mod 100) from a random start: all items are equally
        # popular, so only the order predicts the next item. A target shifted by one position too few or
        # scoring from the wrong position leaves validation NDCG@10 near a constant scorer's (~0.06).
        import argparse
        import random

        rand = random.Random(1)
        rows = []
        for user in range(300):
            begin = rand.randrange(100)
            rows.extend((str(user), str((begin + k) % 100), 1000.0 + k) for k in range(30))
        data = sasrec.Dataset(rows)
        train, validation, _ = sasrec.leave_last_out(data)
        args = argparse.Namespace(seed=0, max_len=20, dim=32, blocks=2, dropout=0.2, lr=1e-3, batch_size=128,
                                  epochs=8, patience=8)
        validation_queries = sasrec.queries(data, validation, sasrec.known_items(data, [train]))
        _, result = sasrec.train_sasrec(data, train, validation_queries, args, log=lambda message: None)
        self.assertGreater(result["validation"]["ndcg@10"], 0.2)

    def test_negatives_avoid_known_items(self):
        import numpy as np

        rng = np.random.default_rng(0)
        known = np.array([0, 1, 2, 4], dtype=np.int64)
        drawn = sasrec.sample_negatives(rng, 200, 6, known)
        self.assertEqual(len(drawn), 200)
        self.assertEqual(set(drawn), {3, 5})


if __name__ == "__main__":
    unittest.main()
