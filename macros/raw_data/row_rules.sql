{#
    The contract rules of the per-day rows (daily_balances, trades), in the contract's order:
    the one place they are written. <table>_row_reason: the rules the row itself decides (the
    validated models apply them as the rows are loaded). The rules that depend on another
    table change after a day is loaded: the customer rules (unknown_customer,
    customer_quarantined; reason_at_read), a trade's dates against its customer's open date
    and the export's last day, a trade_id's versions on other days (trade_reason_at_read).
    They are applied where the rows are read, in the contract's order among the row's own
    (late_reasons: the row's own reasons that come after the customer rules).
#}
{% macro balance_row_reason(rows) -%}
    case
        when {{ rows }}.invalid_value is not null
            then {{ invalid_value_reason(rows ~ '.invalid_value') }}
        when
            {{ rows }}.customer_id is null
            or trim({{ rows }}.customer_id) = ''
            or {{ rows }}.balance_date is null
            then 'missing_key'
        when {{ rows }}.key_versions > 1 then 'duplicate_key'
        when
            {{ rows }}.cash_balance is null or {{ rows }}.market_value is null
            then 'missing_value'
        when
            abs({{ rows }}.cash_balance) > {{ max_plausible_amount_cny() }}
            or abs({{ rows }}.market_value) > {{ max_plausible_amount_cny() }}
            then 'out_of_range'
        when
            {{ rows }}.cash_balance < 0 or {{ rows }}.market_value < 0
            then 'negative_balance'
    end
{%- endmacro %}

{#
    A row's reason once its customer is known (customer: int_customer_verdicts joined on the
    row's customer_id, null when the customer is absent from the export): a reason the
    contract checks before the customer rules stands; otherwise an unknown or quarantined
    customer is the reason; otherwise the row's own (one of late_reasons, or null: kept).
#}
{% macro reason_at_read(row_reason, customer, late_reasons) -%}
    case
        when
            {{ row_reason }} is not null
            and {{ row_reason }} not in ('{{ late_reasons | join("', '") }}')
            then {{ row_reason }}
        when {{ customer }}.customer_id is null then 'unknown_customer'
        when not {{ customer }}.is_kept then 'customer_quarantined'
        else {{ row_reason }}
    end
{%- endmacro %}

{#
    Rows of a per-day table in its validated shape (int_daily_balances_validated and
    int_daily_balances_undated, int_trades_validated and int_trades_unbatched): exact copies
    collapsed, the row's own reason (<table>_row_reason), the load's lineage: the file's name
    and the fingerprint it had when the row was loaded (int_raw_files; for a collapsed copy,
    its first copy's file). rows: the CTE of the staged rows to validate; table_name:
    daily_balances or trades; export_last_day: the CTE of int_export_last_day; raw_files: the
    CTE of the table's files in int_raw_files.
#}
{% macro validated_rows(rows, table_name, export_last_day, raw_files) -%}
    {%- set row_reasons = {'daily_balances': balance_row_reason, 'trades': trade_row_reason} -%}
    {%- set row_reason = row_reasons[table_name] -%}
    with

    -- a key's versions within a day (a trade_id's across days are judged where the rows are
    -- read, so a verdict never depends on how the days were batched)
    deduplicated as (

        {{ collapse_exact_duplicates(rows, table_name) }}

    ),

    checked as (

        select
            deduplicated.*,
            {{ row_reason('deduplicated') }} as quarantine_reason,
            {{ export_last_day }}.last_balance_date as loaded_through_date,
            '{{ invocation_id }}' as loaded_by_invocation_id,
            {{ raw_files }}.source_file,
            {{ raw_files }}.source_file_fingerprint
        from deduplicated
        cross join {{ export_last_day }}
        left join {{ raw_files }}
            on deduplicated.source_file_id = {{ raw_files }}.source_file_id

    )

    select * from checked
{%- endmacro %}

{# A trades row's own reasons (the trade_id holds no date: versions on two days are judged
   where the rows are read, int_trade_key_conflicts). #}
{% macro trade_row_reason(rows) -%}
    case
        when {{ rows }}.invalid_value is not null
            then {{ invalid_value_reason(rows ~ '.invalid_value') }}
        when
            {{ rows }}.trade_id is null
            or trim({{ rows }}.trade_id) = ''
            then 'missing_key'
        when {{ rows }}.key_versions > 1 then 'duplicate_key'
        when {{ rows }}.trade_date is null then 'missing_date'
        when {{ rows }}.amount is null or {{ rows }}.commission is null then 'missing_value'
        when
            abs({{ rows }}.amount) > {{ max_plausible_amount_cny() }}
            or abs({{ rows }}.commission) > {{ max_plausible_amount_cny() }}
            then 'out_of_range'
        when {{ rows }}.side is null or {{ rows }}.side not in ('buy', 'sell')
            then 'invalid_side'
        when {{ rows }}.amount < 0 then 'negative_amount'
        when {{ rows }}.commission < 0 then 'negative_commission'
    end
{%- endmacro %}

{# The trade reasons that come after the customer rules in the contract's order. #}
{% macro trade_late_reasons() %}
    {{ return(['invalid_side', 'negative_amount', 'negative_commission']) }}
{% endmacro %}

{#
    A trades row's reason where it is read: its own (trade_row_reason), a version of its
    trade_id on another day (conflict: int_trade_key_conflicts joined on trade_id, null when
    there is none) as duplicate_key, the customer rules (customer: int_customer_verdicts
    joined on customer_id), then a date before the customer's open date, after its close date,
    or after the export's last day (export_last_day: int_export_last_day). Null: the trade is kept.
#}
{% macro trade_reason_at_read(rows, conflict, customer, export_last_day) -%}
    case
        -- a value that did not parse keeps its reason, as in a batch holding both versions
        when {{ rows }}.invalid_value is not null then {{ rows }}.quarantine_reason
        when {{ conflict }}.trade_id is not null then 'duplicate_key'
        else coalesce(
            {{ reason_at_read(rows ~ '.quarantine_reason', customer, trade_late_reasons()) }},
            case
                when {{ rows }}.trade_date < {{ customer }}.open_date then 'before_open_date'
                when {{ rows }}.trade_date > {{ customer }}.close_date then 'after_close_date'
                when {{ rows }}.trade_date > {{ export_last_day }}.last_balance_date
                    then 'after_data_end'
            end
        )
    end
{%- endmacro %}
