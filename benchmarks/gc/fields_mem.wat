;; fields.wat without GC, its baseline: the array at address 1024 and the accumulator at
;; 16 (sum) and 24 (count) of linear memory, zeroed at each run; the same loop with loads
;; and stores.  Same run(n), same result.
(module
  (memory 1)

  (func (export "run") (param $n i32) (result i32)
    (local $r i32) (local $i i32) (local $v i32) (local $p i32)
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 5120))
    (block $done
      (loop $rounds
        (br_if $done (i32.ge_s (local.get $r) (local.get $n)))
        (local.set $i (i32.const 0))
        (loop $elems
          (local.set $p (i32.add (i32.const 1024) (i32.shl (local.get $i) (i32.const 2))))
          (local.set $v
            (i32.add (i32.mul (i32.load (local.get $p)) (i32.const 31))
                     (i32.xor (local.get $i) (local.get $r))))
          (i32.store (local.get $p) (local.get $v))
          (i64.store (i32.const 16)
            (i64.add (i64.load (i32.const 16)) (i64.extend_i32_u (local.get $v))))
          (i32.store (i32.const 24) (i32.add (i32.load (i32.const 24)) (i32.const 1)))
          (br_if $elems (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (i32.const 1024))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rounds)))
    (i32.xor (i32.wrap_i64 (i64.load (i32.const 16))) (i32.load (i32.const 24)))))
