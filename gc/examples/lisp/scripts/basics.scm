; Closures, strings, lists, globals, set!, recursion.
(define (make-counter)
  (let ((n 0))
    (lambda () (set! n (+ n 1)) n)))
(define c (make-counter))
(c) (c)
(display (c)) (newline)

(define (map f xs) (if (null? xs) '() (cons (f (car xs)) (map f (cdr xs)))))
(define (range a b) (if (>= a b) '() (cons a (range (+ a 1) b))))
(display (map (lambda (x) (* x x)) (range 0 10))) (newline)

(define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))
(display (fact 10)) (newline)

(define greeting (string-append "hello, " "world"))
(display greeting) (newline)
(display (string-length greeting)) (newline)
(display (list 1 "two" '(3 4) #t)) (newline)

(define total 0)
(define (sum-to n) (if (= n 0) total (begin (set! total (+ total n)) (sum-to (- n 1)))))
(display (sum-to 10000)) (newline)   ; a tail call: constant stack
(begin (display undefined-thing) (newline))
(display "after the error") (newline)
