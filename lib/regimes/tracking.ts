/** Whether per-mode errors are recorded at this step: every trackEvery-th step, plus the first and last. */
export function shouldTrack(step: number, nSteps: number, trackEvery: number): boolean {
  if (trackEvery <= 0) return false;
  return step % trackEvery === 0 || step === nSteps;
}
