;; binary-trees without GC, the baseline of binary_trees.wat: the same trees in linear
;; memory, a node being two i32 addresses (0: none) taken from a bump allocator whose mark
;; is reset once a tree is checked (an arena per tree, as the C programs of the Benchmarks
;; Game use pools); memory grows when the arena needs it.  Same run(n), same result.
(module
  (memory 1)
  (global $hp (mut i32) (i32.const 16))

  (func $node (param $left i32) (param $right i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $hp))
    (global.set $hp (i32.add (local.get $p) (i32.const 8)))
    (if (i32.gt_u (global.get $hp) (i32.shl (memory.size) (i32.const 16)))
      (then (drop (memory.grow (i32.const 16)))))
    (i32.store (local.get $p) (local.get $left))
    (i32.store offset=4 (local.get $p) (local.get $right))
    (local.get $p))

  (func $tree (param $depth i32) (result i32)
    (if (result i32) (i32.gt_s (local.get $depth) (i32.const 0))
      (then
        (call $node
          (call $tree (i32.sub (local.get $depth) (i32.const 1)))
          (call $tree (i32.sub (local.get $depth) (i32.const 1)))))
      (else (call $node (i32.const 0) (i32.const 0)))))

  (func $check (param $t i32) (result i32)
    (local $left i32)
    (local.set $left (i32.load (local.get $t)))
    (if (result i32) (i32.eqz (local.get $left))
      (then (i32.const 1))
      (else
        (i32.add
          (i32.add (i32.const 1) (call $check (local.get $left)))
          (call $check (i32.load offset=4 (local.get $t)))))))

  (func (export "run") (param $n i32) (result i32)
    (local $max i32) (local $d i32) (local $iters i32) (local $i i32) (local $sum i32)
    (local $long i32) (local $mark i32)
    (global.set $hp (i32.const 16))
    (local.set $max (select (local.get $n) (i32.const 6)
                            (i32.gt_s (local.get $n) (i32.const 6))))
    (local.set $sum (call $check (call $tree (i32.add (local.get $max) (i32.const 1)))))
    (global.set $hp (i32.const 16))
    (local.set $long (call $tree (local.get $max)))
    (local.set $mark (global.get $hp))
    (local.set $d (i32.const 4))
    (block $done
      (loop $depths
        (br_if $done (i32.gt_s (local.get $d) (local.get $max)))
        (local.set $iters
          (i32.shl (i32.const 1)
                   (i32.add (i32.sub (local.get $max) (local.get $d)) (i32.const 4))))
        (local.set $i (i32.const 0))
        (loop $trees
          (local.set $sum
            (i32.add (local.get $sum) (call $check (call $tree (local.get $d)))))
          (global.set $hp (local.get $mark))
          (br_if $trees (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (local.get $iters))))
        (local.set $d (i32.add (local.get $d) (i32.const 2)))
        (br $depths)))
    (i32.add (local.get $sum) (call $check (local.get $long)))))
