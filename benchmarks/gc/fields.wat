;; Field access on the GC heap: an array of 1024 i32 and an accumulator struct (an i64 and
;; an i32 field).  run(n): n rounds over the array, each element a[i] = a[i] * 31 + (i ^ r)
;; and the accumulator's sum += a[i], count += 1: two array and four struct accesses per
;; element.  Returns the sum's low 32 bits xor the count.
(module
  (type $ints (array (mut i32)))
  (type $acc (struct (field $sum (mut i64)) (field $count (mut i32))))

  (func (export "run") (param $n i32) (result i32)
    (local $a (ref $ints)) (local $acc (ref $acc)) (local $r i32) (local $i i32) (local $v i32)
    (local.set $a (array.new_default $ints (i32.const 1024)))
    (local.set $acc (struct.new_default $acc))
    (block $done
      (loop $rounds
        (br_if $done (i32.ge_s (local.get $r) (local.get $n)))
        (local.set $i (i32.const 0))
        (loop $elems
          (local.set $v
            (i32.add (i32.mul (array.get $ints (local.get $a) (local.get $i)) (i32.const 31))
                     (i32.xor (local.get $i) (local.get $r))))
          (array.set $ints (local.get $a) (local.get $i) (local.get $v))
          (struct.set $acc $sum (local.get $acc)
            (i64.add (struct.get $acc $sum (local.get $acc)) (i64.extend_i32_u (local.get $v))))
          (struct.set $acc $count (local.get $acc)
            (i32.add (struct.get $acc $count (local.get $acc)) (i32.const 1)))
          (br_if $elems (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                                  (i32.const 1024))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rounds)))
    (i32.xor (i32.wrap_i64 (struct.get $acc $sum (local.get $acc)))
             (struct.get $acc $count (local.get $acc)))))
