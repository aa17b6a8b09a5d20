use std::time::Instant;
fn main() {
    let n: u32 = std::env::args().nth(1).map(|s| s.parse().unwrap()).unwrap_or(1000);
    println!("one() = {:08x}", secpbench::one());
    let _ = secpbench::bench(50); // warm-up
    let mut t = Vec::new();
    let mut r = 0;
    for _ in 0..5 {
        let s = Instant::now();
        r = secpbench::bench(n);
        t.push(s.elapsed().as_secs_f64() * 1e3);
    }
    t.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("secpbench native: bench({n}) = {r:08x}; runs ms = {:?}; median = {:.2} ms", t.iter().map(|x| (x * 100.0).round() / 100.0).collect::<Vec<_>>(), t[2]);
}
