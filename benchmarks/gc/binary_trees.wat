;; binary-trees (the Computer Language Benchmarks Game) on the GC heap: every node is a
;; struct of two references, allocated with struct.new and left to the collector.
;; run(n): max depth max(6, n); a stretch tree of depth max + 1, a long-lived tree of depth
;; max kept to the end, and for d = 4, 6, .. max, 2^(max - d + 4) trees of depth d, each
;; checked (its node count) and dropped.  Returns the sum of every check.
(module
  (type $node (struct (field $left (ref null $node)) (field $right (ref null $node))))

  (func $tree (param $depth i32) (result (ref $node))
    (if (result (ref $node)) (i32.gt_s (local.get $depth) (i32.const 0))
      (then
        (struct.new $node
          (call $tree (i32.sub (local.get $depth) (i32.const 1)))
          (call $tree (i32.sub (local.get $depth) (i32.const 1)))))
      (else (struct.new_default $node))))

  (func $check (param $t (ref $node)) (result i32)
    (local $left (ref null $node))
    (local.set $left (struct.get $node $left (local.get $t)))
    (if (result i32) (ref.is_null (local.get $left))
      (then (i32.const 1))
      (else
        (i32.add
          (i32.add (i32.const 1) (call $check (ref.as_non_null (local.get $left))))
          (call $check (ref.as_non_null (struct.get $node $right (local.get $t))))))))

  (func (export "run") (param $n i32) (result i32)
    (local $max i32) (local $d i32) (local $iters i32) (local $i i32) (local $sum i32)
    (local $long (ref null $node))
    (local.set $max (select (local.get $n) (i32.const 6)
                            (i32.gt_s (local.get $n) (i32.const 6))))
    (local.set $sum (call $check (call $tree (i32.add (local.get $max) (i32.const 1)))))
    (local.set $long (call $tree (local.get $max)))
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
          (br_if $trees (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (local.get $iters))))
        (local.set $d (i32.add (local.get $d) (i32.const 2)))
        (br $depths)))
    (i32.add (local.get $sum) (call $check (ref.as_non_null (local.get $long))))))
