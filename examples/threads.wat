;; The guest of examples/threads.py (also used by tests/api/test_threads.py and
;; benchmarks/bench_threads.py): host threads, each with its own Store and instance, work
;; on one shared memory that every instance imports.
;;
;; Memory layout: 0 the shared counter, 4 barrier arrivals, 8 barrier generation,
;; 12 errors seen by `phases`, 64 + 4 * i the progress of thread i, 1024 + 64 * i the
;; private counter of thread i (`count_at`).
(module
  (import "env" "memory" (memory 1 1 shared))

  ;; Add 1 to the counter `n` times with i32.atomic.rmw.add; before each increment,
  ;; `work` rounds of a private computation (xorshift32), whose final state is returned.
  (func (export "count") (param $n i32) (param $work i32) (result i32)
    (call $count_at (local.get $n) (local.get $work) (i32.const 0)))

  ;; The same loop on the counter at `addr`: with a counter of its own (a cache line apart)
  ;; each thread shows what the runtime costs threads without the shared counter's contention.
  (func $count_at (export "count_at") (param $n i32) (param $work i32) (param $addr i32)
    (result i32)
    (local $x i32) (local $k i32)
    (local.set $x (i32.const 2463534242))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $k (local.get $work))
        (block $worked
          (loop $step
            (br_if $worked (i32.eqz (local.get $k)))
            (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 13))))
            (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 17))))
            (local.set $x (i32.xor (local.get $x) (i32.shl (local.get $x) (i32.const 5))))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br $step)))
        (drop (i32.atomic.rmw.add (local.get $addr) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $x))

  ;; A reusable barrier for `parties` threads: each reads the generation, then arrives;
  ;; the last to arrive resets the arrivals, bumps the generation and wakes everyone;
  ;; the others wait (memory.atomic.wait32, no timeout) until the generation moves.
  (func $barrier (export "barrier") (param $parties i32)
    (local $gen i32)
    (local.set $gen (i32.atomic.load (i32.const 8)))
    (if (i32.eq (i32.add (i32.atomic.rmw.add (i32.const 4) (i32.const 1)) (i32.const 1))
                (local.get $parties))
      (then
        (i32.atomic.store (i32.const 4) (i32.const 0))
        (drop (i32.atomic.rmw.add (i32.const 8) (i32.const 1)))
        (drop (memory.atomic.notify (i32.const 8) (i32.const -1))))
      (else
        (loop $wait
          (drop (memory.atomic.wait32 (i32.const 8) (local.get $gen) (i64.const -1)))
          (br_if $wait (i32.eq (i32.atomic.load (i32.const 8)) (local.get $gen)))))))

  ;; `rounds` phases for thread `me` of `parties`: publish the round number in its slot,
  ;; meet at the barrier, then check that every thread published at least this round
  ;; (one error counted per slot behind).  Returns the errors counted so far.
  (func (export "phases") (param $me i32) (param $parties i32) (param $rounds i32)
    (result i32)
    (local $r i32) (local $i i32)
    (block $done
      (loop $round
        (br_if $done (i32.ge_u (local.get $r) (local.get $rounds)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (i32.atomic.store offset=64 (i32.shl (local.get $me) (i32.const 2)) (local.get $r))
        (call $barrier (local.get $parties))
        (local.set $i (i32.const 0))
        (block $checked
          (loop $check
            (br_if $checked (i32.ge_u (local.get $i) (local.get $parties)))
            (if (i32.lt_u (i32.atomic.load offset=64 (i32.shl (local.get $i) (i32.const 2)))
                          (local.get $r))
              (then (drop (i32.atomic.rmw.add (i32.const 12) (i32.const 1)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $check)))
        (br $round)))
    (i32.atomic.load (i32.const 12)))

  (func (export "counter") (result i32) (i32.atomic.load (i32.const 0)))
)
