; Deep non-tail recursion is a language-level error, and the program goes on.
(define (depth n) (+ 1 (depth n)))
(depth 0)
(define (count-down n) (if (= n 0) 'done (count-down (- n 1))))
(display (count-down 1000000)) (newline)
(define (sum xs) (if (null? xs) 0 (+ (car xs) (sum (cdr xs)))))
(display (sum '(1 2 3 4 5))) (newline)
