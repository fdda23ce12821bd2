package dev.forkd.examples;

import java.math.BigInteger;

/**
 * The Node multi-process article's CPU-bound loop, as its {@code /sum} server ({@link SumServer}) and the cluster
 * demo's worker run it:
 *
 * <pre>{@code
 * let sum = 0;
 * for (let i = 0; i < 10000000000; i++) {
 *   sum += i;
 * }
 * }</pre>
 */
public final class SumLoop {
    private SumLoop() {}

    /**
     * {@code 0 + 1 + ... + (n - 1)}, added one number at a time as the article does: {@code n} steps of CPU work,
     * and the exact sum (0 for {@code n <= 0}).
     *
     * <p>Why not a {@code long}: the sum of the numbers below the article's 10<sup>10</sup> is
     * 49999999995000000000, past {@code Long.MAX_VALUE} (a {@code long} holds it up to n = 2<sup>32</sup>). Why not
     * a {@code double}, JavaScript's number: it rounds once the sum passes 2<sup>53</sup>, which is why Node prints
     * 49999999990067860000 for the article's loop. So the sum is kept in two {@code long}s, the low 64 bits and a
     * carry count: still one addition per step. The JIT unrolls the loop but does not turn it into a formula: its
     * time grows with {@code n} (about 0.3 ns a step on the project's 2-core machine, so 3 s for 10<sup>10</sup>),
     * and the result is used, so the loop is not dropped either.
     */
    public static BigInteger sumBelow(long n) {
        long low = 0;
        long carries = 0;
        for (long i = 0; i < n; i++) {
            long next = low + i;
            if (Long.compareUnsigned(next, low) < 0) carries++; // low wrapped past 2^64
            low = next;
        }
        return BigInteger.valueOf(carries).shiftLeft(Long.SIZE).add(new BigInteger(Long.toUnsignedString(low)));
    }
}
