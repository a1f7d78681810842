;; An expression calculator with C++-style exception handling, written by hand in the shape
;; clang gives C++ compiled with -fwasm-exceptions (exnref form):
;;
;; - one tag, `$error`, thrown by `$fail` (the `__cxa_throw` of this program: it never
;;   returns, so its callers follow it with `unreachable`); its payload is an error code and
;;   a pointer to the NUL-terminated message in linear memory;
;; - the throw happens deep in the recursive-descent parser (a digit too many, a division by
;;   zero in an operator reached by `call_indirect`, an unknown variable reported by the host
;;   function `env.lookup`, a negative square root thrown by wasm called back from the host
;;   function `env.isqrt`, itself reached by `call_indirect`);
;; - `$parse_paren` is a frame with a destructor: it takes a frame on the shadow stack
;;   (`$sp`, like `__stack_pointer`) and, when an exception passes, notes where its
;;   parenthesis opened (catch_ref + throw_ref), and pops its frame for any exception
;;   (catch_all_ref + throw_ref: a cleanup landing pad);
;; - `$parse_try` (`T(...)`) is a typed catch: it handles a division by zero and rethrows
;;   every other error (the type check of a C++ catch clause);
;; - `eval` is `main`'s try/catch: it prints the value or the error with its trace.
;;
;; Grammar: expr = term {("+"|"-") term}; term = factor {("*"|"/"|"%") factor};
;; factor = number | "-" factor | "(" expr ")" | variable (a-z) | F "(" expr ")" with the
;; functions S (square), A (abs), R (integer square root, by the host), T (0 for a division
;; by zero inside).  Arithmetic is on i32 and overflow is an error.
(module
  (type $binop (func (param i32 i32) (result i32)))
  (type $unary (func (param i32) (result i32)))
  ;; env.lookup: a variable's value (its letter); 0x80000000 for an unknown one, or the
  ;; host throws $error itself.  env.isqrt: calls back the export "isqrt_checked".
  (import "env" "lookup" (func $lookup (type $unary)))
  (import "env" "isqrt" (func $host_isqrt (type $unary)))
  (memory (export "memory") 1)
  (tag $error (export "error") (param i32 i32))      ;; code, message

  ;; 0..383 messages; 1024.. the input; 2048.. the output; 3072.. the trace (i32 positions)
  (data (i32.const 0) "unexpected character\00")     ;; code 1
  (data (i32.const 32) "division by zero\00")        ;; code 2
  (data (i32.const 64) "unknown variable\00")        ;; code 3
  (data (i32.const 96) "overflow\00")                ;; code 4
  (data (i32.const 128) "nesting too deep\00")       ;; code 5
  (data (i32.const 160) "negative square root\00")   ;; code 6
  (data (i32.const 192) "unknown function\00")       ;; code 7
  (data (i32.const 224) "= \00")
  (data (i32.const 256) "error \00")
  (data (i32.const 288) ": \00")
  (data (i32.const 320) " at \00")
  (data (i32.const 352) " (in parentheses opened at \00")

  (global $input (export "input") i32 (i32.const 1024))
  (global $output (export "output") i32 (i32.const 2048))
  (global $msg_unknown_var (export "msg_unknown_var") i32 (i32.const 64))
  (global $sp (export "sp") (mut i32) (i32.const 65536))  ;; the shadow stack (grows down)
  (global $pos (mut i32) (i32.const 1024))
  (global $end (mut i32) (i32.const 1024))
  (global $out (mut i32) (i32.const 2048))
  (global $depth (mut i32) (i32.const 0))
  (global $ntrace (mut i32) (i32.const 0))

  ;; the operators and functions, called indirectly
  (table $ops 8 funcref)
  (elem (table $ops) (i32.const 0) func $add $sub $mul $div $rem $square $abs $host_isqrt)

  (func $fail (param $code i32) (param $msg i32)
    (throw $error (local.get $code) (local.get $msg)))

  ;; i32 arithmetic through i64: a result out of range is an overflow
  (func $checked (param $v i64) (result i32)
    (if (i64.ne (local.get $v) (i64.extend_i32_s (i32.wrap_i64 (local.get $v))))
      (then (call $fail (i32.const 4) (i32.const 96))))
    (i32.wrap_i64 (local.get $v)))
  (func $add (type $binop)
    (call $checked (i64.add (i64.extend_i32_s (local.get 0)) (i64.extend_i32_s (local.get 1)))))
  (func $sub (type $binop)
    (call $checked (i64.sub (i64.extend_i32_s (local.get 0)) (i64.extend_i32_s (local.get 1)))))
  (func $mul (type $binop)
    (call $checked (i64.mul (i64.extend_i32_s (local.get 0)) (i64.extend_i32_s (local.get 1)))))
  (func $div (type $binop)
    (if (i32.eqz (local.get 1)) (then (call $fail (i32.const 2) (i32.const 32))))
    (call $checked (i64.div_s (i64.extend_i32_s (local.get 0)) (i64.extend_i32_s (local.get 1)))))
  (func $rem (type $binop)
    (if (i32.eqz (local.get 1)) (then (call $fail (i32.const 2) (i32.const 32))))
    (call $checked (i64.rem_s (i64.extend_i32_s (local.get 0)) (i64.extend_i32_s (local.get 1)))))
  (func $square (type $unary) (call $mul (local.get 0) (local.get 0)))
  (func $abs (type $unary)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 0))
      (then (call $sub (i32.const 0) (local.get 0)))
      (else (local.get 0))))

  ;; floor(sqrt(x)) of x >= 0, called back by the host (env.isqrt)
  (func (export "isqrt_checked") (param $x i32) (result i32)
    (local $r i32)
    (if (i32.lt_s (local.get $x) (i32.const 0))
      (then (call $fail (i32.const 6) (i32.const 160))))
    (local.set $r (i32.trunc_f64_u (f64.sqrt (f64.convert_i32_u (local.get $x)))))
    (loop $down
      (if (i64.gt_u (i64.mul (i64.extend_i32_u (local.get $r)) (i64.extend_i32_u (local.get $r)))
                    (i64.extend_i32_u (local.get $x)))
        (then (local.set $r (i32.sub (local.get $r) (i32.const 1))) (br $down))))
    (local.get $r))

  ;; the input
  (func $peek (result i32)
    (if (result i32) (i32.lt_u (global.get $pos) (global.get $end))
      (then (i32.load8_u (global.get $pos)))
      (else (i32.const 0))))
  (func $skip_ws
    (loop $l
      (if (i32.eq (call $peek) (i32.const 32))
        (then (global.set $pos (i32.add (global.get $pos) (i32.const 1))) (br $l)))))
  (func $expect (param $c i32)
    (call $skip_ws)
    (if (i32.ne (call $peek) (local.get $c)) (then (call $fail (i32.const 1) (i32.const 0))))
    (global.set $pos (i32.add (global.get $pos) (i32.const 1))))

  (func $parse_expr (result i32)
    (local $v i32) (local $c i32)
    (local.set $v (call $parse_term))
    (loop $more
      (call $skip_ws)
      (local.set $c (call $peek))
      (if (i32.or (i32.eq (local.get $c) (i32.const 43)) (i32.eq (local.get $c) (i32.const 45)))
        (then
          (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
          (local.set $v (call_indirect $ops (type $binop)
            (local.get $v) (call $parse_term)
            (select (i32.const 0) (i32.const 1) (i32.eq (local.get $c) (i32.const 43)))))
          (br $more))))
    (local.get $v))

  (func $parse_term (result i32)
    (local $v i32) (local $c i32) (local $op i32)
    (local.set $v (call $parse_factor))
    (loop $more
      (call $skip_ws)
      (local.set $c (call $peek))
      (local.set $op
        (if (result i32) (i32.eq (local.get $c) (i32.const 42)) (then (i32.const 2))
          (else (if (result i32) (i32.eq (local.get $c) (i32.const 47)) (then (i32.const 3))
            (else (if (result i32) (i32.eq (local.get $c) (i32.const 37)) (then (i32.const 4))
              (else (i32.const -1))))))))
      (if (i32.ge_s (local.get $op) (i32.const 0))
        (then
          (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
          (local.set $v (call_indirect $ops (type $binop)
            (local.get $v) (call $parse_factor) (local.get $op)))
          (br $more))))
    (local.get $v))

  (func $parse_factor (result i32)
    (local $c i32) (local $n i64) (local $v i32)
    (call $skip_ws)
    (local.set $c (call $peek))
    (if (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
      (then
        (loop $digits
          (local.set $n (i64.add (i64.mul (local.get $n) (i64.const 10))
                                 (i64.extend_i32_u (i32.sub (local.get $c) (i32.const 48)))))
          (if (i64.gt_u (local.get $n) (i64.const 0x7fffffff))
            (then (call $fail (i32.const 4) (i32.const 96))))
          (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
          (local.set $c (call $peek))
          (br_if $digits (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))))
        (return (i32.wrap_i64 (local.get $n)))))
    (if (i32.eq (local.get $c) (i32.const 45))        ;; unary minus
      (then
        (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
        (return (call $sub (i32.const 0) (call $parse_factor)))))
    (if (i32.eq (local.get $c) (i32.const 40))
      (then (return (call $parse_paren))))
    (if (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26))  ;; a variable
      (then
        (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
        (local.set $v (call $lookup (local.get $c)))
        (if (i32.eq (local.get $v) (i32.const 0x80000000))
          (then (call $fail (i32.const 3) (i32.const 64))))
        (return (local.get $v))))
    (if (i32.lt_u (i32.sub (local.get $c) (i32.const 65)) (i32.const 26))  ;; a function
      (then (return (call $parse_call (local.get $c)))))
    (call $fail (i32.const 1) (i32.const 0))
    (unreachable))

  ;; "(" expr ")": a shadow-stack frame, popped on the way out whatever happens; an error
  ;; passing through notes where this parenthesis opened
  (func $parse_paren (result i32)
    (local $frame i32) (local $v i32) (local $exn exnref)
    (global.set $sp (local.tee $frame (i32.sub (global.get $sp) (i32.const 16))))
    (i32.store (local.get $frame) (global.get $pos))
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (local.set $exn
      (block $cleanup (result exnref)
        (block $annotate (result i32 i32 exnref)
          (local.set $v
            (try_table (result i32) (catch_ref $error $annotate) (catch_all_ref $cleanup)
              (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
              (if (i32.gt_u (global.get $depth) (i32.const 10))
                (then (call $fail (i32.const 5) (i32.const 128))))
              (call $parse_expr)
              (call $expect (i32.const 41))))
          (call $leave_frame (local.get $frame))
          (return (local.get $v)))
        ;; catch_ref $error: [code message exnref]
        (local.set $exn)
        (drop)
        (drop)
        (call $note (i32.load (local.get $frame)))
        (local.get $exn)))
    (call $leave_frame (local.get $frame))
    (throw_ref (local.get $exn)))

  (func $leave_frame (param $frame i32)
    (global.set $sp (i32.add (local.get $frame) (i32.const 16)))
    (global.set $depth (i32.sub (global.get $depth) (i32.const 1))))

  (func $note (param $at i32)
    (if (i32.lt_u (global.get $ntrace) (i32.const 64))
      (then
        (i32.store (i32.add (i32.const 3072) (i32.shl (global.get $ntrace) (i32.const 2)))
                   (local.get $at))
        (global.set $ntrace (i32.add (global.get $ntrace) (i32.const 1))))))

  ;; F "(" expr ")"
  (func $parse_call (param $c i32) (result i32)
    (local $f i32)
    (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
    (call $skip_ws)
    (if (i32.ne (call $peek) (i32.const 40)) (then (call $fail (i32.const 1) (i32.const 0))))
    (if (i32.eq (local.get $c) (i32.const 84))        ;; T
      (then (return (call $parse_try))))
    (local.set $f
      (if (result i32) (i32.eq (local.get $c) (i32.const 83)) (then (i32.const 5))     ;; S
        (else (if (result i32) (i32.eq (local.get $c) (i32.const 65)) (then (i32.const 6))  ;; A
          (else (if (result i32) (i32.eq (local.get $c) (i32.const 82)) (then (i32.const 7)) ;; R
            (else (call $fail (i32.const 7) (i32.const 192)) (unreachable))))))))
    (call_indirect $ops (type $unary) (call $parse_paren) (local.get $f)))

  ;; T "(" expr ")": catches a division by zero (the value is 0, the rest of the group is
  ;; skipped) and rethrows any other error
  (func $parse_try (result i32)
    (local $open i32) (local $ntrace i32) (local $exn exnref)
    (local.set $open (global.get $pos))
    (local.set $ntrace (global.get $ntrace))
    (block $caught (result i32 i32 exnref)
      (return (try_table (result i32) (catch_ref $error $caught) (call $parse_paren))))
    (local.set $exn)
    (drop)
    (if (i32.ne (i32.const 2))
      (then (throw_ref (local.get $exn))))
    (global.set $ntrace (local.get $ntrace))
    (call $skip_group (local.get $open))
    (i32.const 0))

  ;; continue after the ")" that closes the "(" at `at`
  (func $skip_group (param $at i32)
    (local $open i32) (local $c i32)
    (global.set $pos (local.get $at))
    (loop $scan
      (local.set $c (call $peek))
      (if (i32.eqz (local.get $c)) (then (call $fail (i32.const 1) (i32.const 0))))
      (global.set $pos (i32.add (global.get $pos) (i32.const 1)))
      (if (i32.eq (local.get $c) (i32.const 40))
        (then (local.set $open (i32.add (local.get $open) (i32.const 1)))))
      (if (i32.eq (local.get $c) (i32.const 41))
        (then (local.set $open (i32.sub (local.get $open) (i32.const 1)))))
      (br_if $scan (i32.ne (local.get $open) (i32.const 0)))))

  ;; the output
  (func $emit_char (param $c i32)
    (i32.store8 (global.get $out) (local.get $c))
    (global.set $out (i32.add (global.get $out) (i32.const 1))))
  (func $emit_str (param $p i32)
    (loop $l
      (if (i32.load8_u (local.get $p))
        (then
          (call $emit_char (i32.load8_u (local.get $p)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $l)))))
  (func $emit_int (param $v i32)
    (local $n i64) (local $buf i32) (local $len i32)
    (local.set $n (i64.extend_i32_s (local.get $v)))
    (if (i64.lt_s (local.get $n) (i64.const 0))
      (then (call $emit_char (i32.const 45)) (local.set $n (i64.sub (i64.const 0) (local.get $n)))))
    (local.set $buf (i32.sub (global.get $sp) (i32.const 16)))   ;; digits, backwards
    (loop $digits
      (i32.store8 (i32.add (local.get $buf) (local.get $len))
                  (i32.add (i32.const 48) (i32.wrap_i64 (i64.rem_u (local.get $n) (i64.const 10)))))
      (local.set $len (i32.add (local.get $len) (i32.const 1)))
      (local.set $n (i64.div_u (local.get $n) (i64.const 10)))
      (br_if $digits (i64.ne (local.get $n) (i64.const 0))))
    (loop $out
      (local.set $len (i32.sub (local.get $len) (i32.const 1)))
      (call $emit_char (i32.load8_u (i32.add (local.get $buf) (local.get $len))))
      (br_if $out (local.get $len))))

  (func $start (param $len i32)
    (global.set $pos (i32.const 1024))
    (global.set $end (i32.add (i32.const 1024) (local.get $len)))
    (global.set $out (i32.const 2048))
    (global.set $ntrace (i32.const 0)))

  (func $parse_all (result i32)
    (call $parse_expr)
    (call $skip_ws)
    (if (i32.lt_u (global.get $pos) (global.get $end))
      (then (call $fail (i32.const 1) (i32.const 0)))))

  ;; Evaluate the `len` bytes at `input`; the result text ("= value" or "error code:
  ;; message at column (in parentheses opened at column)...") is at `output`, its length
  ;; returned.
  (func (export "eval") (param $len i32) (result i32)
    (local $code i32) (local $msg i32) (local $i i32)
    (call $start (local.get $len))
    (block $caught (result i32 i32)
      (try_table (result i32) (catch $error $caught) (call $parse_all))
      (call $emit_str (i32.const 224))
      (call $emit_int)
      (return (i32.sub (global.get $out) (i32.const 2048))))
    (local.set $msg)
    (local.set $code)
    (call $emit_str (i32.const 256))
    (call $emit_int (local.get $code))
    (call $emit_str (i32.const 288))
    (call $emit_str (local.get $msg))
    (call $emit_str (i32.const 320))
    (call $emit_int (i32.sub (global.get $pos) (i32.const 1024)))
    (block $done
      (loop $trace
        (br_if $done (i32.ge_u (local.get $i) (global.get $ntrace)))
        (call $emit_str (i32.const 352))
        (call $emit_int
          (i32.sub (i32.load (i32.add (i32.const 3072) (i32.shl (local.get $i) (i32.const 2))))
                   (i32.const 1024)))
        (call $emit_char (i32.const 41))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $trace)))
    (i32.sub (global.get $out) (i32.const 2048)))

  ;; The same without the catch: an error leaves as an uncaught exception
  (func (export "eval_uncaught") (param $len i32) (result i32)
    (call $start (local.get $len))
    (call $parse_all))
)
