# frozen_string_literal: true

require_relative "test_helper"

class LifetimeTest < Minitest::Test
  include TestHelper

  def test_double_close_is_harmless
    ctx = Topt::Context.open(**isolated)
    assert_nil ctx.close
    assert_nil ctx.close
    assert ctx.closed?
  end

  def test_block_form_closes
    kept = Topt::Context.open(**isolated) { |ctx| ctx }
    assert kept.closed?
  end

  def test_use_after_close_raises
    Dir.mktmpdir do |dir|
      ctx = payload_context(dir)
      ctx.close
      assert_raises(Topt::ClosedError) { ctx.info }
      assert_raises(Topt::ClosedError) { ctx.rlocation("_main/x") }
      assert_raises(Topt::ClosedError) { ctx.read_cache(:settings) }
      assert_raises(Topt::ClosedError) { ctx.write_payload(:telemetry, "{}") }
      assert_empty Dir.glob(File.join(dir, "payloads", "**", "*"), File::FNM_DOTMATCH).select { |f| File.file?(f) }
    end
  end

  def abandon(count, close:)
    count.times do
      ctx = Topt::Context.open(**isolated)
      ctx.info
      ctx.close if close
    end
    nil
  end

  def collect
    3.times { GC.start(full_mark: true, immediate_sweep: true) }
  end

  def test_gc_frees_abandoned_contexts
    collect
    before = Topt::Context.freed
    abandon(100, close: false)
    collect
    freed = Topt::Context.freed - before
    # Conservative stack scanning may keep a few alive; most must be freed by their AutoPointer.
    assert_operator freed, :>=, 50, "GC freed #{freed} of 100 abandoned contexts"
  end

  def test_gc_does_not_free_closed_contexts_again
    collect
    before = Topt::Context.freed
    abandon(50, close: true)
    assert_equal 50, Topt::Context.freed - before
    collect
    assert_equal 50, Topt::Context.freed - before, "no double free after GC"
  end

  def test_close_waits_for_calls_on_other_threads
    Dir.mktmpdir do |dir|
      ctx = payload_context(dir)
      writers = 4.times.map do
        Thread.new do
          n = 0
          loop do
            ctx.write_payload(:telemetry, "{}")
            n += 1
          rescue Topt::ClosedError
            break n
          end
        end
      end
      sleep 0.05
      ctx.close
      assert_operator writers.sum(&:value), :>, 0
    end
  end
end
