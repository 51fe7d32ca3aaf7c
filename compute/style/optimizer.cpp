#include "style/optimizer.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "ops/launch.h"
#include "ops/reduce.h"
#include "ops/scalar_op.h"
#include "ops/scalars.h"
#include "ops/vector.h"
#include "vk/error.h"

namespace nst::style {
namespace {

// L-BFGS's device scalars: what one evaluation reads back (slots 0..kReadSlots−1), a
// temporary of the recursion, then one slot per (s, y) pair.
enum Slot : uint32_t {
  kGradDotDirection = 0,  // g·d at the accepted point
  kSDotY = 1,             // of the trial's pending pair
  kYDotY = 2,
  kSDotS = 3,
  kGradDotGrad = 4,  // ‖g‖² at the trial point
  kReadSlots = 5,
  kYDotR = 5,  // y_i·d in the second loop
  kFirstPairSlot = 6,
};

// `count` slots of `scalars` from `first`, as a range to download.
vk::BufferSpan slot_span(const Tensor& scalars, uint32_t first, uint32_t count) {
  ops::require_slot("optimizer read-back", scalars, first + count - 1);
  vk::BufferSpan span = scalars.span();
  span.offset += first * sizeof(float);
  span.size = count * sizeof(float);
  return span;
}

// Records the download of L(x) from the problem's slot; read it with read_loss after submit.
size_t download_loss(vk::Recorder& rec, const Problem& problem) {
  if (!problem.scalars) throw nst::Error("optimizer: the problem has no scalars to read L from");
  return rec.download(slot_span(*problem.scalars, problem.slot, 1), sizeof(float));
}

double read_loss(const vk::Recorder& rec, size_t download) {
  float loss = 0.0f;
  rec.read(download, &loss, sizeof loss);
  return loss;
}

// The next t after a trial that failed the Armijo test: the minimum of the quadratic q(τ)
// with q(0) = L, q'(0) = g·d, q(t) = L(x + t·d), at −(g·d)·t² / 2(L(x + t·d) − L − (g·d)·t),
// kept within [t/10, t/2] so that a wild trial neither stalls the search nor barely
// shortens the step.
double shortened_step(double t, double loss, double grad_dot_direction, double trial_loss) {
  if (!std::isfinite(trial_loss)) return t / 10;
  const double curvature = trial_loss - loss - grad_dot_direction * t;  // > 0 when Armijo failed
  const double minimum = -grad_dot_direction * t * t / (2 * curvature);
  return std::clamp(minimum, t / 10, t / 2);
}

// A trial too short to tell: both the decrease it should bring, t·|g·d|, and the change it
// brought are within the rounding of L in fp32 (kLossRounding·|L|, a sum of many fp32 terms),
// so Armijo's verdict is noise. Shortening it further could never succeed; the step grows by
// kGrowth instead. A tiny step, torch's first one, or x + t·d == x lead here.
constexpr double kLossRounding = 1e-6;
constexpr double kGrowth = 10;

bool lost_in_rounding(double t, double loss, double grad_dot_direction, double trial_loss) {
  const double rounding = kLossRounding * std::abs(loss);
  return -grad_dot_direction * t <= rounding && std::abs(trial_loss - loss) <= rounding;
}

}  // namespace

Optimizer::~Optimizer() = default;

// ---- Adam ----

Adam::Adam(const AdamOptions& options) : options_(options) {}

double Adam::step(const Problem& problem, Tensor& x) {
  vk::Recorder rec(x.context());
  if (!grad_) {
    grad_.emplace(x.context(), x.shape(), "Adam gradient");
    m_.emplace(x.context(), x.shape(), "Adam first moment");
    v_.emplace(x.context(), x.shape(), "Adam second moment");
    rec.fill(m_->span(), 0);
    rec.fill(v_->span(), 0);
  }
  problem.evaluate(rec, x, *grad_);
  const ops::AdamParams params{options_.learning_rate, options_.beta1, options_.beta2, options_.epsilon, ++steps_};
  ops::adam_step(rec, params, *grad_, *m_, *v_, x);
  const size_t loss = download_loss(rec, problem);
  rec.submit();
  return read_loss(rec, loss);
}

// ---- L-BFGS ----

Lbfgs::Lbfgs(const LbfgsOptions& options) : options_(options) {
  if (options.history == 0) throw nst::Error("L-BFGS needs a history of at least one pair");
}

double Lbfgs::step(const Problem& problem, Tensor& x) {
  return started_ ? trial_evaluation(problem, x) : first_evaluation(problem, x);
}

void Lbfgs::abandon_step(Tensor& x) {
  if (!started_) return;  // x is still the starting point
  vk::Recorder rec(x.context());
  ops::copy(rec, *accepted_, x);
  rec.submit();
}

void Lbfgs::allocate(const Tensor& x) {
  vk::Context& ctx = x.context();
  accepted_.emplace(ctx, x.shape(), "L-BFGS accepted x");
  grad_.emplace(ctx, x.shape(), "L-BFGS gradient");
  trial_grad_.emplace(ctx, x.shape(), "L-BFGS trial gradient");
  direction_.emplace(ctx, x.shape(), "L-BFGS direction");
  // One slot per pair that can exist at once: m in the history and the pending one.
  scalars_.emplace(ctx, Shape{1, 1, kFirstPairSlot + options_.history + 1}, "L-BFGS scalars");
}

// Evaluates at the starting point, which is accepted as it is.
double Lbfgs::first_evaluation(const Problem& problem, Tensor& x) {
  allocate(x);
  vk::Recorder rec(x.context());
  rec.fill(scalars_->span(), 0);  // slots read back before anything writes them
  problem.evaluate(rec, x, *grad_);
  ops::dot(rec, *grad_, *grad_, *scalars_, kGradDotGrad);
  const Readings readings = submit_and_read(rec, problem);
  if (!std::isfinite(readings.loss) || !std::isfinite(readings.grad_dot_grad)) {
    throw nst::Error("L-BFGS: the objective or its gradient is not finite at the starting point");
  }
  started_ = last_accepted_ = true;
  loss_ = readings.loss;
  grad_norm2_ = readings.grad_dot_grad;
  restart_along_gradient();
  return loss_;
}

// One submission: (a new direction,) the trial point, its evaluation, the pending pair.
double Lbfgs::trial_evaluation(const Problem& problem, Tensor& x) {
  ops::require_same_shape("L-BFGS step", *accepted_, x);
  vk::Recorder rec(x.context());
  ops::copy(rec, x, *accepted_);  // after an acceptance accepted_ lags behind x (else they are equal)
  if (new_direction_) record_direction(rec);
  ops::axpy(rec, static_cast<float>(t_), *direction_, x);
  problem.evaluate(rec, x, *trial_grad_);
  record_pending_pair(rec, x);
  const Readings readings = submit_and_read(rec, problem);
  last_accepted_ = std::isfinite(readings.loss) && readings.grad_dot_direction < 0 &&
                   readings.loss <= loss_ + options_.armijo * t_ * readings.grad_dot_direction;
  if (last_accepted_) {
    accept(readings);
  } else {
    reject(readings, x);
  }
  return readings.loss;
}

// The two-loop recursion (Nocedal & Wright, Algorithm 7.4) into direction_, then g·d. The
// recursion runs on q = g and r = H·q; direction_ holds q in the first loop and d = −r in the
// second, so the signs of the second loop's terms flip. α_i = ρ_i·(s_i·q) and β = ρ_i·(y_i·r)
// are never formed: each pair's slot holds s_i·q, then s_i·q − y_i·r = (α_i − β)/ρ_i, and ρ_i
// enters as the host factor of the axpy that reads the slot.
void Lbfgs::record_direction(vk::Recorder& rec) {
  Tensor& d = *direction_;
  ops::copy(rec, *grad_, d);
  for (auto pair = history_.rbegin(); pair != history_.rend(); ++pair) {
    ops::dot(rec, pair->s, d, *scalars_, pair->slot);                                // s_i·q
    ops::axpy(rec, *scalars_, pair->slot, static_cast<float>(-pair->rho), pair->y, d);  // q −= α_i·y_i
  }
  ops::scale(rec, static_cast<float>(history_.empty() ? -1.0 : -gamma_), d);  // d = −r = −γ·q
  for (const Pair& pair : history_) {
    ops::dot(rec, pair.y, d, *scalars_, kYDotR);  // y_i·d = −y_i·r
    ops::scalar_op(rec, *scalars_, pair.slot, ops::ScalarOp::add, pair.slot, kYDotR);
    ops::axpy(rec, *scalars_, pair.slot, static_cast<float>(-pair.rho), pair.s, d);  // r += (α_i − β)·s_i
  }
  ops::dot(rec, *grad_, d, *scalars_, kGradDotDirection);
}

// s = x_trial − x and y = g_trial − g, kept if the trial is accepted, and the dot products the
// acceptance and the pair rule need.
void Lbfgs::record_pending_pair(vk::Recorder& rec, const Tensor& x) {
  Pair& pair = pending_pair();
  ops::copy(rec, x, pair.s);
  ops::axpy(rec, -1.0f, *accepted_, pair.s);
  ops::copy(rec, *trial_grad_, pair.y);
  ops::axpy(rec, -1.0f, *grad_, pair.y);
  ops::dot(rec, pair.s, pair.y, *scalars_, kSDotY);
  ops::dot(rec, pair.y, pair.y, *scalars_, kYDotY);
  ops::dot(rec, pair.s, pair.s, *scalars_, kSDotS);
  ops::dot(rec, *trial_grad_, *trial_grad_, *scalars_, kGradDotGrad);
}

// A spare pair if there is one, else a new one: at most m + 1 pairs ever exist.
Lbfgs::Pair& Lbfgs::pending_pair() {
  if (pending_) return *pending_;
  if (!spare_.empty()) {
    pending_.emplace(std::move(spare_.back()));
    spare_.pop_back();
    return *pending_;
  }
  vk::Context& ctx = accepted_->context();
  const Shape shape = accepted_->shape();
  pending_.emplace(Pair{Tensor(ctx, shape, "L-BFGS s"), Tensor(ctx, shape, "L-BFGS y"),
                        kFirstPairSlot + pairs_allocated_++});
  return *pending_;
}

Lbfgs::Readings Lbfgs::submit_and_read(vk::Recorder& rec, const Problem& problem) {
  const size_t slots = rec.download(slot_span(*scalars_, 0, kReadSlots), kReadSlots * sizeof(float));
  const size_t loss = download_loss(rec, problem);
  rec.submit();
  float values[kReadSlots];
  rec.read(slots, values, sizeof values);
  return {read_loss(rec, loss), values[kGradDotDirection], values[kSDotY],
          values[kYDotY],       values[kSDotS],            values[kGradDotGrad]};
}

void Lbfgs::accept(const Readings& readings) {
  loss_ = readings.loss;
  grad_norm2_ = readings.grad_dot_grad;
  std::swap(grad_, trial_grad_);
  const double cosine_floor = options_.curvature_cosine * std::sqrt(readings.s_dot_s * readings.y_dot_y);
  if (std::isfinite(cosine_floor) && readings.s_dot_y > cosine_floor) keep_pending_pair(readings);
  new_direction_ = true;
  backtracks_ = 0;
  t_ = history_.empty() ? steepest_descent_step() : 1.0;
}

// The pending pair joins the history; once m pairs are kept, the oldest leaves and becomes
// the next pending one.
void Lbfgs::keep_pending_pair(const Readings& readings) {
  Pair pair = std::move(*pending_);
  pending_.reset();
  pair.rho = 1.0 / readings.s_dot_y;
  gamma_ = readings.s_dot_y / readings.y_dot_y;
  if (history_.size() == options_.history) {
    pending_.emplace(std::move(history_.front()));
    history_.pop_front();
  }
  history_.push_back(std::move(pair));
}

// Back to the accepted point, then a shorter step along the same direction, or, after too
// many or along a direction that does not descend, a restart along −g.
void Lbfgs::reject(const Readings& readings, Tensor& x) {
  vk::Recorder rec(x.context());
  ops::copy(rec, *accepted_, x);
  rec.submit();
  new_direction_ = false;
  if (!(readings.grad_dot_direction < 0) || ++backtracks_ > options_.max_backtracks) {
    restart_along_gradient();
    return;
  }
  t_ = lost_in_rounding(t_, loss_, readings.grad_dot_direction, readings.loss)
           ? t_ * kGrowth
           : shortened_step(t_, loss_, readings.grad_dot_direction, readings.loss);
}

void Lbfgs::restart_along_gradient() {
  for (Pair& pair : history_) spare_.push_back(std::move(pair));
  history_.clear();
  new_direction_ = true;
  backtracks_ = 0;
  t_ = steepest_descent_step();
}

// min(1, first_step_rms·√n / ‖g‖): see LbfgsOptions::first_step_rms.
double Lbfgs::steepest_descent_step() const {
  const double norm = std::sqrt(grad_norm2_);
  const double rms_step = options_.first_step_rms * std::sqrt(static_cast<double>(accepted_->count()));
  return norm > rms_step ? rms_step / norm : 1.0;
}

}  // namespace nst::style
