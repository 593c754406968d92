// The readers of saved arrays: torch.save files (lib/io/torchSave.ts) and NumPy .npz (lib/io/npy.ts parseNpz),
// on fixtures written by the real libraries (PyTorch 1.13.1, NumPy 1.24; test/io/fixtures, made by:
//   torch.manual_seed(0); X = torch.randn(4, 3); K = X @ X.T; y = torch.randn(4)
//   torch.save({'NTK_train_train': K, 'target_train_train': y,
//               'transposed': torch.arange(6, dtype=torch.float64).reshape(2, 3).T,
//               'labels': torch.tensor([3, -1, 7]), 'half': torch.tensor([0.5, -2.0, 65504.0], dtype=torch.float16),
//               'note': 'hello', 'n': 3}, 'saved.pth')
//   np.savez_compressed('saved.npz', NTK_train_train=K.numpy(), target_train_train=y.numpy().astype(np.float64))
// and the values printed by Python, below.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseNpz, NpyError } from "../../lib/io/npy.ts";
import { readTorchSave, torchSaveTensors, TorchSaveError } from "../../lib/io/torchSave.ts";
import { readZip } from "../../lib/io/zip.ts";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

const K = [
  7.207892417907715, 4.241425514221191, 1.942765474319458, -0.8430998921394348, 4.241425514221191, 3.4553720951080322,
  0.32636702060699463, 0.1631959080696106, 1.942765474319458, 0.32636702060699463, 1.3823083639144897,
  -0.7936146259307861, -0.8430998921394348, 0.1631959080696106, -0.7936146259307861, 0.5517969727516174,
];
const y = [-0.8566746115684509, 1.1006041765213013, -1.0711873769760132, 0.1227012425661087];

test(
  "torch.save file: tensors of the dict with their shapes, dtypes and values (exact), " + "strided views in C order",
  () => {
    const t = torchSaveTensors(fixture("saved.pth"));
    assert.deepEqual([...t.keys()].sort(), ["NTK_train_train", "half", "labels", "target_train_train", "transposed"]);
    const k = t.get("NTK_train_train")!;
    assert.deepEqual([k.shape, k.dtype], [[4, 4], "f4"]);
    assert.deepEqual(Array.from(k.data), K);
    assert.deepEqual(Array.from(t.get("target_train_train")!.data), y);
    const tr = t.get("transposed")!;
    assert.deepEqual([tr.shape, tr.dtype, Array.from(tr.data)], [[3, 2], "f8", [0, 3, 1, 4, 2, 5]]);
    assert.deepEqual([t.get("labels")!.dtype, Array.from(t.get("labels")!.data)], ["i8", [3, -1, 7]]);
    assert.deepEqual(Array.from(t.get("half")!.data), [0.5, -2, 65504]);
    const top = readTorchSave(fixture("saved.pth")) as Map<string, unknown>;
    assert.equal(top.get("note"), "hello");
    assert.equal(top.get("n"), 3);
  },
);

test(".npz (deflated): the same arrays", () => {
  const a = parseNpz(fixture("saved.npz"));
  assert.deepEqual([...a.keys()].sort(), ["NTK_train_train", "target_train_train"]);
  assert.deepEqual([a.get("NTK_train_train")!.shape, a.get("NTK_train_train")!.descr], [[4, 4], "<f4"]);
  assert.deepEqual(Array.from(a.get("NTK_train_train")!.data), K);
  assert.deepEqual(Array.from(a.get("target_train_train")!.data), y);
  assert.equal(readZip(fixture("saved.npz")).size, 2);
});

test("not a torch.save / .npz file: errors say what was found", () => {
  const junk = new TextEncoder().encode("just some text, not an archive");
  assert.throws(() => readTorchSave(junk), TorchSaveError);
  assert.throws(() => readTorchSave(junk), /not a ZIP-format torch.save file/);
  assert.throws(() => parseNpz(junk), NpyError);
  assert.throws(() => torchSaveTensors(fixture("saved.npz")), /no data.pkl in the archive/);
});
