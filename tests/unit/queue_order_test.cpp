// RequestQueue on its own (no network): limits, order, and what leaving,
// withdrawing and closing do to the slots.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "client/request_queue.hpp"

namespace tether {
namespace {

using detail::QueueTicket;
using detail::RequestQueue;

struct QueueOrder : ::testing::Test {
  std::vector<std::string> started;

  std::shared_ptr<QueueTicket> add(RequestQueue& queue, const std::string& origin,
                                   const std::string& name, Priority priority = Priority::Normal,
                                   bool starts = true) {
    auto ticket = std::make_shared<QueueTicket>(origin, priority);
    queue.enqueue(ticket, [this, name, starts] {
      started.push_back(name);
      return starts;
    });
    return ticket;
  }
};

TEST_F(QueueOrder, StartsWithinTheLimitAndTheNextWhenOneLeaves) {
  RequestQueue queue(2, 0);
  auto a = add(queue, "o", "a");
  auto b = add(queue, "o", "b");
  auto c = add(queue, "o", "c");
  EXPECT_EQ(started, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(queue.running(), 2u);
  EXPECT_EQ(queue.waiting(), 1u);
  EXPECT_FALSE(queue.leave(*a));  // it was running: c starts
  EXPECT_EQ(started.back(), "c");
  EXPECT_FALSE(queue.leave(*a));  // idempotent: no second slot freed
  EXPECT_EQ(queue.running(), 2u);
}

TEST_F(QueueOrder, LeavingWhileWaitingRemovesOnlyThatOne) {
  RequestQueue queue(1, 0);
  auto a = add(queue, "o", "a");
  auto b = add(queue, "o", "b");
  auto c = add(queue, "o", "c");
  EXPECT_TRUE(queue.leave(*b));
  EXPECT_EQ(queue.waiting(), 1u);
  queue.leave(*a);
  EXPECT_EQ(started, (std::vector<std::string>{"a", "c"}));
}

TEST_F(QueueOrder, WithdrawTakesOnlyAWaitingTicket) {
  RequestQueue queue(1, 0);
  auto a = add(queue, "o", "a");
  auto b = add(queue, "o", "b");
  EXPECT_FALSE(queue.withdraw(*a));  // running: keeps its slot
  EXPECT_EQ(queue.running(), 1u);
  EXPECT_TRUE(queue.withdraw(*b));
  EXPECT_EQ(queue.waiting(), 0u);
  EXPECT_FALSE(queue.leave(*b));
}

TEST_F(QueueOrder, AStartThatDeclinesFreesItsSlotForTheNext) {
  RequestQueue queue(1, 0);
  auto a = add(queue, "o", "a");
  auto b = add(queue, "o", "b", Priority::Normal, false);
  auto c = add(queue, "o", "c");
  queue.leave(*a);
  EXPECT_EQ(started, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(queue.running(), 1u);
}

TEST_F(QueueOrder, PrioritiesThenOriginsTakingTurns) {
  RequestQueue queue(1, 0);
  auto hold = add(queue, "x", "hold");
  std::vector<std::shared_ptr<QueueTicket>> tickets;
  for (const char* n : {"a1", "a2", "a3"}) tickets.push_back(add(queue, "a", n));
  for (const char* n : {"b1", "b2"}) tickets.push_back(add(queue, "b", n));
  tickets.push_back(add(queue, "b", "low", Priority::Low));
  tickets.push_back(add(queue, "a", "high", Priority::High));
  queue.leave(*hold);
  for (std::size_t i = 0; i < tickets.size(); ++i) {
    // Whatever runs now leaves, so the next starts.
    auto running = std::find_if(tickets.begin(), tickets.end(), [&](const auto& t) {
      return t->state == QueueTicket::State::Running;
    });
    ASSERT_NE(running, tickets.end());
    queue.leave(**running);
  }
  EXPECT_EQ(started,
            (std::vector<std::string>{"hold", "high", "a1", "b1", "a2", "b2", "a3", "low"}));
}

TEST_F(QueueOrder, PerOriginLimitPassesOverABusyOrigin) {
  RequestQueue queue(0, 1);
  auto a1 = add(queue, "a", "a1");
  auto a2 = add(queue, "a", "a2", Priority::High);
  auto b1 = add(queue, "b", "b1", Priority::Low);
  EXPECT_EQ(started, (std::vector<std::string>{"a1", "b1"}));
  queue.leave(*a1);
  EXPECT_EQ(started.back(), "a2");
}

TEST_F(QueueOrder, ClosedQueueStartsNothing) {
  RequestQueue queue(1, 0);
  auto a = add(queue, "o", "a");
  auto b = add(queue, "o", "b");
  queue.close();
  queue.leave(*a);
  EXPECT_EQ(started, (std::vector<std::string>{"a"}));
  EXPECT_TRUE(queue.leave(*b));
  EXPECT_EQ(queue.waiting(), 0u);
  EXPECT_EQ(queue.running(), 0u);
}

}  // namespace
}  // namespace tether
