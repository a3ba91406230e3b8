{#
    The contract rules of a daily_balances row, in the contract's order: the one place they are
    written. balance_row_reason: the rules the row itself decides (int_daily_balances_validated
    and int_daily_balances_undated apply them as the rows are loaded). The customer rules
    (unknown_customer, customer_quarantined) depend on the customers' export, which changes
    after a day is loaded: reason_at_read applies them where the rows are read, before the
    rules that come after them in the contract's order (late_reasons).
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
    Balance rows in the validated shape (int_daily_balances_validated for the dated rows,
    int_daily_balances_undated for the others): exact copies collapsed, the row's own reason
    (balance_row_reason), the load's lineage, and the file's name where the quarantine needs it.
    rows: the CTE of the staged rows to validate; export_last_day: the CTE of int_export_last_day.
#}
{% macro validated_balance_rows(rows, export_last_day) -%}
    with

    deduplicated as (

        {{ collapse_exact_duplicates(rows, 'daily_balances') }}

    ),

    checked as (

        select
            deduplicated.*,
            {{ balance_row_reason('deduplicated') }} as quarantine_reason,
            {{ export_last_day }}.last_balance_date as loaded_through_date,
            '{{ invocation_id }}' as loaded_by_invocation_id
        from deduplicated
        cross join {{ export_last_day }}

    )

    {{ name_source_files('checked', rows) }}
{%- endmacro %}
