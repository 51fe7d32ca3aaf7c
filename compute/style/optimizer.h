#pragma once
// The optimisers: Adam, and L-BFGS with a backtracking line search, both on the device.
// Every step() evaluates the objective and its gradient exactly once, so that runs with
// either optimiser compare at equal cost: every evaluation counts as a step, including an
// L-BFGS trial point the line search rejects. Same inputs, same bits: only deterministic
// kernels are used, and the host's decisions depend only on values read back.
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "ops/tensor.h"
#include "vk/recorder.h"

namespace nst::style {

struct Problem {
  // Records L(x) into scalars[slot] (overwriting it) and ∇L(x) into grad (x's shape).
  std::function<void(vk::Recorder&, const Tensor& x, Tensor& grad)> evaluate;
  const Tensor* scalars;
  uint32_t slot;
};

class Optimizer {
 public:
  virtual ~Optimizer();
  // Evaluates L and ∇L once, returns L at the point it evaluated, and leaves the current
  // iterate in x. One optimiser serves one run: x is the same tensor at every call, and
  // nothing else changes it between calls.
  virtual double step(const Problem& problem, Tensor& x) = 0;
  // After a step was abandoned part-way (a run cancelled between the tiles of an
  // evaluation): puts the last point the optimiser accepted back into x.
  virtual void abandon_step(Tensor& x) { (void)x; }
};

struct AdamOptions {
  // In x's units: the first steps move each element by about this much. 10 grey levels of
  // the network's 0..255 input space, as jcjohnson/neural-style's Adam default.
  float learning_rate = 10.0f;
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;
};

// Adam over ops::adam_step: evaluate at x, then update x, in one submission; L is read back
// once per step. Holds 3 tensors of x's size (gradient, moments): 36 MB per megapixel of an
// RGB image.
class Adam final : public Optimizer {
 public:
  explicit Adam(const AdamOptions& options = {});
  double step(const Problem& problem, Tensor& x) override;

 private:
  AdamOptions options_;
  uint32_t steps_ = 0;
  std::optional<Tensor> grad_, m_, v_;  // allocated at the first step
};

struct LbfgsOptions {
  uint32_t history = 100;  // m, the (s, y) pairs kept (at least 1)
  // The first trial, and every one after the history was dropped, goes along −g with
  // t = min(1, first_step_rms·√n / ‖g‖₂): it moves x by an RMS of first_step_rms per element
  // (one grey level of the network's 0..255 input space), or by −g where that is smaller.
  // Unlike torch's min(1, 1/‖g‖₁), whose step on a 512² image moves a pixel by ~1e-6 on
  // average, this makes progress at once; too long a step only costs a few cuts.
  float first_step_rms = 1.0f;
  double armijo = 1e-4;  // c₁: accept L(x + t·d) ≤ L(x) + c₁·t·(g·d)
  // ε of the pair rule: keep (s, y) only if s·y > ε·‖s‖·‖y‖, see Lbfgs.
  double curvature_cosine = 1e-6;
  // Rejections in a row before the history is dropped and the search restarts along −g:
  // 20 cuts shrink t by 2²⁰ at least.
  uint32_t max_backtracks = 20;
};

// L-BFGS (Nocedal & Wright, Algorithm 7.4/7.5) with a backtracking Armijo line search, the
// two-loop recursion recorded on the device.
//
// Why a line search: torch.optim.LBFGS without one overshoots on the style objective (a tiny
// first step, then a huge one that can overflow to inf). Here every trial point x + t·d is
// one evaluation, i.e. one step. A trial is accepted iff L is finite, d is a descent
// direction (g·d < 0) and the Armijo condition holds, so the loss of accepted iterates never
// increases and x never leaves them. On rejection x is restored and the next step retries
// from it with a shorter t: half of it, or less where the minimum of the quadratic through
// L(x), g·d and L(x + t·d) lies closer (never below a tenth; a tenth when L was not finite;
// Nocedal & Wright §3.5). Only where the trial was too short for fp32 to tell (the decrease
// it should bring and the change it brought both within 1e-6·|L|, e.g. x + t·d == x) does t
// grow tenfold instead. After max_backtracks rejections in a row, or along a direction that
// does not descend, the history is dropped and the search restarts along −g. Along a new
// L-BFGS direction t starts at 1.
//
// The pair rule: on acceptance, s = x_new − x_old and y = g_new − g_old join the history
// (the oldest pair leaving once m are kept) unless s·y ≤ ε·‖s‖·‖y‖. s·y > 0 keeps the
// inverse-Hessian estimate positive definite; asking the cosine between s and y to exceed
// ε (rather than s·y > ε·‖y‖²) makes the rule independent of the objective's scale, which
// spans 1..1e9 here, and rejects pairs whose curvature is lost in fp32 rounding.
//
// On the device: the direction d = −H·g (the two-loop recursion, initial H₀ = γI with
// γ = s·y / y·y of the newest pair) and the trial point are recorded into the same
// submission as the evaluation; the dot products s_i·q and y_i·r stay in device scalars
// (ops::axpy reads them as factors, ops::scalar_op combines α_i − β). One submission per
// step reads back L, g·d, s·y, y·y, s·s and g·g, which the host needs for its decisions;
// ρ_i = 1/(s_i·y_i) and γ come from those, read once when the pair is made. A rejection
// adds a second, small submission that restores x.
//
// Memory: x-sized tensors, allocated as needed: x at the last accepted point, its gradient,
// the trial's gradient, the direction, a pending (s, y) pair, and the history's pairs,
// allocated only as the history fills. That is 2m + 6 tensors: with m = 100, 206 × 12 MB =
// 2.5 GB per megapixel of an RGB image (650 MB at 512×512, 160 MB at 256×256), reached only
// after m accepted steps. A smaller m suits large images on small devices, at the price of
// slower convergence where the objective is ill-conditioned.
class Lbfgs final : public Optimizer {
 public:
  explicit Lbfgs(const LbfgsOptions& options = {});
  double step(const Problem& problem, Tensor& x) override;
  void abandon_step(Tensor& x) override;

  double loss() const { return loss_; }  // L at x: the best accepted point
  bool last_step_accepted() const { return last_accepted_; }
  size_t history_size() const { return history_.size(); }

 private:
  struct Pair {
    Tensor s, y;
    uint32_t slot;     // device scalar holding s·q, then (α − β)/ρ, in the recursion
    double rho = 0.0;  // 1 / (s·y)
  };
  // What one evaluation submission reads back.
  struct Readings {
    double loss, grad_dot_direction, s_dot_y, y_dot_y, s_dot_s, grad_dot_grad;
  };

  double first_evaluation(const Problem& problem, Tensor& x);
  double trial_evaluation(const Problem& problem, Tensor& x);
  void allocate(const Tensor& x);
  Pair& pending_pair();
  void record_direction(vk::Recorder& rec);
  void record_pending_pair(vk::Recorder& rec, const Tensor& x);
  Readings submit_and_read(vk::Recorder& rec, const Problem& problem);
  void accept(const Readings& readings);
  void reject(const Readings& readings, Tensor& x);
  void keep_pending_pair(const Readings& readings);
  void restart_along_gradient();
  double steepest_descent_step() const;

  LbfgsOptions options_;
  std::optional<Tensor> accepted_, grad_, trial_grad_, direction_, scalars_;
  std::deque<Pair> history_;    // oldest first
  std::optional<Pair> pending_;  // s and y of the current trial
  std::vector<Pair> spare_;     // pairs of a dropped history, reused before allocating
  uint32_t pairs_allocated_ = 0;
  double loss_ = 0.0;            // L at the accepted point
  double grad_norm2_ = 0.0;      // ‖g‖² there
  double gamma_ = 1.0;           // s·y / y·y of the newest pair
  double t_ = 0.0;               // the next trial's step length
  bool started_ = false, new_direction_ = true, last_accepted_ = false;
  uint32_t backtracks_ = 0;
};

}  // namespace nst::style
