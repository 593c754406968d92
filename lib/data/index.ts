/**
 * Data sets by description (JSON-able, for configs and the CLI):
 *   {kind: 'mnist', N, seed?}                                   lib/data/mnist.ts
 *   {kind: 'cifar10', dir, N, seed?, files?}                    lib/data/cifar10.ts
 *   {kind: 'tabular', path, target, N?, seed?, categorical?, maxCategories?, drop?}   lib/data/tabular.ts
 *   {kind: 'diamonds', N?, seed?, categorical?}                 the shipped example (target price)
 *   {kind: 'gaussian', N, inputDim?, seed?}                     synthetic inputs, teacher-network target
 *                                                               (lib/data/gaussian.ts)
 * Every loader returns a Dataset (lib/data/dataset.ts); problems are DataErrors naming the file.
 */
import { DATASETS, type CategoricalPolicy } from "../vocabulary/datasets.ts";
import { loadCifar10, type Cifar10Options } from "./cifar10.ts";
import { DataError, type Dataset } from "./dataset.ts";
import { loadGaussian, type GaussianOptions } from "./gaussian.ts";
import { loadMnist, type MnistOptions } from "./mnist.ts";
import { loadDiamonds, loadTabular, type TabularOptions } from "./tabular.ts";

export { DataError, type Dataset } from "./dataset.ts";

export type DatasetSpec =
  | ({ readonly kind: "mnist" } & MnistOptions)
  | ({ readonly kind: "cifar10" } & Cifar10Options)
  | ({ readonly kind: "tabular" } & TabularOptions)
  | { readonly kind: "diamonds"; readonly N?: number; readonly seed?: number; readonly categorical?: CategoricalPolicy }
  | ({ readonly kind: "gaussian" } & GaussianOptions);

export async function loadDataset(spec: DatasetSpec): Promise<Dataset> {
  switch (spec.kind) {
    case "mnist":
      return loadMnist(spec);
    case "cifar10":
      return loadCifar10(spec);
    case "tabular":
      return loadTabular(spec);
    case "diamonds":
      return loadDiamonds(spec);
    case "gaussian":
      return loadGaussian(spec);
    default:
      throw new DataError(
        `unknown dataset kind ${JSON.stringify((spec as { kind?: unknown }).kind)} (expected ${DATASETS.join(", ")})`,
      );
  }
}
