// sim/engine/list.hpp — an intrusive doubly linked list (LIST_ENTRY in spirit): nodes embed a
// ListLink, so queueing a thread or a wait block never allocates. Circular with a sentinel;
// insertion order is the iteration order (FIFO), which keeps every walk deterministic.
#pragma once

#include <cstddef>

namespace kesim {

struct ListLink {
  ListLink* next = nullptr;
  ListLink* prev = nullptr;
  bool linked() const { return next != nullptr; }
};

// T must have a ListLink member; Member is the pointer-to-member naming it.
template <class T, ListLink T::*Member>
class IntrusiveList {
 public:
  IntrusiveList() { head_.next = head_.prev = &head_; }
  IntrusiveList(const IntrusiveList&) = delete;
  IntrusiveList& operator=(const IntrusiveList&) = delete;

  bool empty() const { return head_.next == &head_; }
  // Forgets every element without touching them (they are being re-initialized too): for
  // resetting a whole machine in place (engine::Engine::reset).
  void reset_unlinked() {
    head_.next = head_.prev = &head_;
    size_ = 0;
  }
  std::size_t size() const { return size_; }

  void push_back(T& v) { insert_before(&head_, link(v)); }
  void push_front(T& v) { insert_before(head_.next, link(v)); }
  // Inserts v just before `pos` (which must be in this list).
  void insert_before(T& pos, T& v) { insert_before(&(pos.*Member), link(v)); }
  void remove(T& v) {
    ListLink* l = &(v.*Member);
    l->prev->next = l->next;
    l->next->prev = l->prev;
    l->next = l->prev = nullptr;
    --size_;
  }
  T* front() { return empty() ? nullptr : owner(head_.next); }
  T* back() { return empty() ? nullptr : owner(head_.prev); }
  T* next(T& v) {
    ListLink* n = (v.*Member).next;
    return n == &head_ ? nullptr : owner(n);
  }
  T* prev(T& v) {
    ListLink* p = (v.*Member).prev;
    return p == &head_ ? nullptr : owner(p);
  }

  class iterator {
   public:
    iterator(ListLink* l, const ListLink* end) : l_(l), end_(end) {}
    T& operator*() const { return *owner(l_); }
    T* operator->() const { return owner(l_); }
    iterator& operator++() {
      l_ = l_->next;
      return *this;
    }
    bool operator!=(const iterator& o) const { return l_ != o.l_; }
    bool operator==(const iterator& o) const { return l_ == o.l_; }

   private:
    ListLink* l_;
    const ListLink* end_;
  };
  iterator begin() { return {head_.next, &head_}; }
  iterator end() { return {&head_, &head_}; }

  static T* owner(ListLink* l) {
    // offsetof for a pointer-to-member: the usual container_of.
    const auto off = reinterpret_cast<std::size_t>(&(static_cast<T*>(nullptr)->*Member));
    return reinterpret_cast<T*>(reinterpret_cast<char*>(l) - off);
  }

 private:
  ListLink* link(T& v) { return &(v.*Member); }
  void insert_before(ListLink* pos, ListLink* l) {
    l->next = pos;
    l->prev = pos->prev;
    pos->prev->next = l;
    pos->prev = l;
    ++size_;
  }
  ListLink head_;
  std::size_t size_ = 0;
};

}  // namespace kesim
