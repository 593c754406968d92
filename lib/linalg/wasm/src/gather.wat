;; Batch-gradient gather and fused heavy-ball step for the linearized regime (lib/regimes/linearized.ts),
;; WebAssembly SIMD (f64x2). K is an n×n row-major matrix at byte offset $k, stored as f64 (…64) or
;; f32 (…32: each entry promoted to f64 before the multiply). rows: b i32 row indices; w: b f64
;; weights; g, d, v: n f64 each. All offsets are bytes; i32 (unsigned), so memory stays below 4 GiB.
;;   gather64/32:  g[0:n) = Σ_{r<b} w[r]·K[rows[r], 0:n)
;;   sgd64/32:     the same g, then v ← β·v − α·g, d ← d + v, returning ‖d‖² accumulated in two
;;                 lanes (even j, odd j; an odd tail element goes to the even lane), summed at the end.
;; Columns are processed in chunks of 512 so a chunk of g stays in L1 while the b rows stream through
;; and is consumed at once by the update. Within a chunk rows are applied in batch order, so
;; g[j] = ((w0·K0j + w1·K1j) + w2·K2j) + …; no FMA. The TS kernel (lib/linalg/ts/gather.ts) and
;; linearized.ts's update use the same orders, so both give bit-identical results.
(module
  (memory (export "memory") 1)

  ;; g[j0:jend) = Σ_r w[r]·K[rows[r], j0:jend), K as f64
  (func $rows64 (param $k i32) (param $n i32) (param $rows i32) (param $w i32) (param $b i32) (param $g i32)
                (param $j0 i32) (param $jend i32)
    (local $r i32) (local $pg i32) (local $po i32) (local $pend i32) (local $ws f64) (local $wv v128)
    (local.set $pend (i32.add (local.get $g) (i32.shl (local.get $jend) (i32.const 3))))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $b)))
        ;; po = k + (rows[r]·n + j0)·8, pg = g + j0·8
        (local.set $po (i32.add (local.get $k)
          (i32.shl (i32.add (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 2))))
                                     (local.get $n))
            (local.get $j0)) (i32.const 3))))
        (local.set $pg (i32.add (local.get $g) (i32.shl (local.get $j0) (i32.const 3))))
        (local.set $ws (f64.load (i32.add (local.get $w) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $wv (f64x2.splat (local.get $ws)))
        (if (i32.eqz (local.get $r))
          (then
            (block $v0done
              (loop $v0
                (br_if $v0done (i32.gt_u (i32.add (local.get $pg) (i32.const 16)) (local.get $pend)))
                (v128.store (local.get $pg) (f64x2.mul (local.get $wv) (v128.load (local.get $po))))
                (local.set $pg (i32.add (local.get $pg) (i32.const 16)))
                (local.set $po (i32.add (local.get $po) (i32.const 16)))
                (br $v0)))
            (if (i32.lt_u (local.get $pg) (local.get $pend))
              (then (f64.store (local.get $pg) (f64.mul (local.get $ws) (f64.load (local.get $po)))))))
          (else
            (block $vdone
              (loop $v
                (br_if $vdone (i32.gt_u (i32.add (local.get $pg) (i32.const 16)) (local.get $pend)))
                (v128.store (local.get $pg)
                  (f64x2.add (v128.load (local.get $pg)) (f64x2.mul (local.get $wv) (v128.load (local.get $po)))))
                (local.set $pg (i32.add (local.get $pg) (i32.const 16)))
                (local.set $po (i32.add (local.get $po) (i32.const 16)))
                (br $v)))
            (if (i32.lt_u (local.get $pg) (local.get $pend))
              (then (f64.store (local.get $pg)
                (f64.add (f64.load (local.get $pg)) (f64.mul (local.get $ws) (f64.load (local.get $po)))))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; the same with K as f32
  (func $rows32 (param $k i32) (param $n i32) (param $rows i32) (param $w i32) (param $b i32) (param $g i32)
                (param $j0 i32) (param $jend i32)
    (local $r i32) (local $pg i32) (local $po i32) (local $pend i32) (local $ws f64) (local $wv v128)
    (local.set $pend (i32.add (local.get $g) (i32.shl (local.get $jend) (i32.const 3))))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $b)))
        ;; po = k + (rows[r]·n + j0)·4, pg = g + j0·8
        (local.set $po (i32.add (local.get $k)
          (i32.shl (i32.add (i32.mul (i32.load (i32.add (local.get $rows) (i32.shl (local.get $r) (i32.const 2))))
                                     (local.get $n))
            (local.get $j0)) (i32.const 2))))
        (local.set $pg (i32.add (local.get $g) (i32.shl (local.get $j0) (i32.const 3))))
        (local.set $ws (f64.load (i32.add (local.get $w) (i32.shl (local.get $r) (i32.const 3)))))
        (local.set $wv (f64x2.splat (local.get $ws)))
        (if (i32.eqz (local.get $r))
          (then
            (block $v0done
              (loop $v0
                (br_if $v0done (i32.gt_u (i32.add (local.get $pg) (i32.const 16)) (local.get $pend)))
                (v128.store (local.get $pg)
                  (f64x2.mul (local.get $wv) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $po)))))
                (local.set $pg (i32.add (local.get $pg) (i32.const 16)))
                (local.set $po (i32.add (local.get $po) (i32.const 8)))
                (br $v0)))
            (if (i32.lt_u (local.get $pg) (local.get $pend))
              (then (f64.store (local.get $pg)
                (f64.mul (local.get $ws) (f64.promote_f32 (f32.load (local.get $po))))))))
          (else
            (block $vdone
              (loop $v
                (br_if $vdone (i32.gt_u (i32.add (local.get $pg) (i32.const 16)) (local.get $pend)))
                (v128.store (local.get $pg)
                  (f64x2.add (v128.load (local.get $pg))
                    (f64x2.mul (local.get $wv) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $po))))))
                (local.set $pg (i32.add (local.get $pg) (i32.const 16)))
                (local.set $po (i32.add (local.get $po) (i32.const 8)))
                (br $v)))
            (if (i32.lt_u (local.get $pg) (local.get $pend))
              (then (f64.store (local.get $pg)
                (f64.add (f64.load (local.get $pg))
                  (f64.mul (local.get $ws) (f64.promote_f32 (f32.load (local.get $po))))))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop))))

  ;; on [j0, jend): v ← β·v − α·g, d ← d + v; returns acc + (d_even², d_odd²) lane-wise
  (func $update (param $g i32) (param $d i32) (param $v i32) (param $j0 i32) (param $jend i32)
                (param $alpha f64) (param $beta f64) (param $acc v128) (result v128)
    (local $pg i32) (local $pd i32) (local $pv i32) (local $pend i32) (local $av v128) (local $bv v128)
    (local $vv v128) (local $dd v128) (local $vs f64) (local $ds f64)
    (local.set $av (f64x2.splat (local.get $alpha)))
    (local.set $bv (f64x2.splat (local.get $beta)))
    (local.set $pg (i32.add (local.get $g) (i32.shl (local.get $j0) (i32.const 3))))
    (local.set $pd (i32.add (local.get $d) (i32.shl (local.get $j0) (i32.const 3))))
    (local.set $pv (i32.add (local.get $v) (i32.shl (local.get $j0) (i32.const 3))))
    (local.set $pend (i32.add (local.get $g) (i32.shl (local.get $jend) (i32.const 3))))
    (block $done
      (loop $l
        (br_if $done (i32.gt_u (i32.add (local.get $pg) (i32.const 16)) (local.get $pend)))
        (local.set $vv (f64x2.sub (f64x2.mul (local.get $bv) (v128.load (local.get $pv)))
                                  (f64x2.mul (local.get $av) (v128.load (local.get $pg)))))
        (v128.store (local.get $pv) (local.get $vv))
        (local.set $dd (f64x2.add (v128.load (local.get $pd)) (local.get $vv)))
        (v128.store (local.get $pd) (local.get $dd))
        (local.set $acc (f64x2.add (local.get $acc) (f64x2.mul (local.get $dd) (local.get $dd))))
        (local.set $pg (i32.add (local.get $pg) (i32.const 16)))
        (local.set $pd (i32.add (local.get $pd) (i32.const 16)))
        (local.set $pv (i32.add (local.get $pv) (i32.const 16)))
        (br $l)))
    (if (i32.lt_u (local.get $pg) (local.get $pend))
      (then
        (local.set $vs (f64.sub (f64.mul (local.get $beta) (f64.load (local.get $pv)))
                                (f64.mul (local.get $alpha) (f64.load (local.get $pg)))))
        (f64.store (local.get $pv) (local.get $vs))
        (local.set $ds (f64.add (f64.load (local.get $pd)) (local.get $vs)))
        (f64.store (local.get $pd) (local.get $ds))
        (local.set $acc (f64x2.replace_lane 0 (local.get $acc)
          (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64.mul (local.get $ds) (local.get $ds)))))))
    (local.get $acc))

  (func $chunkEnd (param $j0 i32) (param $n i32) (result i32)
    (select (i32.add (local.get $j0) (i32.const 512)) (local.get $n)
      (i32.lt_u (i32.add (local.get $j0) (i32.const 512)) (local.get $n))))

  (func (export "gather64") (param $k i32) (param $n i32) (param $rows i32) (param $w i32) (param $b i32) (param $g i32)
    (local $j0 i32) (local $jend i32)
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_u (local.get $j0) (local.get $n)))
        (local.set $jend (call $chunkEnd (local.get $j0) (local.get $n)))
        (call $rows64 (local.get $k) (local.get $n) (local.get $rows) (local.get $w) (local.get $b) (local.get $g)
          (local.get $j0) (local.get $jend))
        (local.set $j0 (local.get $jend))
        (br $chunks))))

  (func (export "gather32") (param $k i32) (param $n i32) (param $rows i32) (param $w i32) (param $b i32) (param $g i32)
    (local $j0 i32) (local $jend i32)
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_u (local.get $j0) (local.get $n)))
        (local.set $jend (call $chunkEnd (local.get $j0) (local.get $n)))
        (call $rows32 (local.get $k) (local.get $n) (local.get $rows) (local.get $w) (local.get $b) (local.get $g)
          (local.get $j0) (local.get $jend))
        (local.set $j0 (local.get $jend))
        (br $chunks))))

  (func (export "sgd64") (param $k i32) (param $n i32) (param $rows i32) (param $w i32) (param $b i32) (param $g i32)
                         (param $d i32) (param $v i32) (param $alpha f64) (param $beta f64) (result f64)
    (local $j0 i32) (local $jend i32) (local $acc v128)
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_u (local.get $j0) (local.get $n)))
        (local.set $jend (call $chunkEnd (local.get $j0) (local.get $n)))
        (call $rows64 (local.get $k) (local.get $n) (local.get $rows) (local.get $w) (local.get $b) (local.get $g)
          (local.get $j0) (local.get $jend))
        (local.set $acc (call $update (local.get $g) (local.get $d) (local.get $v) (local.get $j0) (local.get $jend)
          (local.get $alpha) (local.get $beta) (local.get $acc)))
        (local.set $j0 (local.get $jend))
        (br $chunks)))
    (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))

  (func (export "sgd32") (param $k i32) (param $n i32) (param $rows i32) (param $w i32) (param $b i32) (param $g i32)
                         (param $d i32) (param $v i32) (param $alpha f64) (param $beta f64) (result f64)
    (local $j0 i32) (local $jend i32) (local $acc v128)
    (block $done
      (loop $chunks
        (br_if $done (i32.ge_u (local.get $j0) (local.get $n)))
        (local.set $jend (call $chunkEnd (local.get $j0) (local.get $n)))
        (call $rows32 (local.get $k) (local.get $n) (local.get $rows) (local.get $w) (local.get $b) (local.get $g)
          (local.get $j0) (local.get $jend))
        (local.set $acc (call $update (local.get $g) (local.get $d) (local.get $v) (local.get $j0) (local.get $jend)
          (local.get $alpha) (local.get $beta) (local.get $acc)))
        (local.set $j0 (local.get $jend))
        (br $chunks)))
    (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))
)
