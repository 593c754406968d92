/** The data sets a network problem can be built on, and the kernels such a problem can use (no dependencies). */
export const DATASETS = ["mnist", "cifar10", "tabular", "diamonds", "gaussian"] as const;
export type DatasetName = (typeof DATASETS)[number];

/** empirical: the initial network's NTK; analytic: the infinite-width ReLU NTK. */
export const NTK_KINDS = ["empirical", "analytic"] as const;
export type NtkKind = (typeof NTK_KINDS)[number];

/** What tabular loaders do with text columns. */
export const CATEGORICAL_POLICIES = ["onehot", "error"] as const;
export type CategoricalPolicy = (typeof CATEGORICAL_POLICIES)[number];
