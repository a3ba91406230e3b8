{#
    batched_incremental: an incremental model built one date batch at a time, so each batch's
    deduplication and checks fit in memory and the cost is linear in the rows loaded. The
    validated trades use it (the balances are on dbt's microbatch, macros/incremental/microbatch.sql).

    The model's SQL selects its rows from a per-day relation through date_batch() (below),
    which renders the model's incremental condition (macros/incremental/incremental_by_date.sql)
    between two markers. A run:
    1. runs the pre-hooks (the incremental delete of the days to load again);
    2. plans the batches: the dates to load (config batch_source, the model it reads, and
       batch_date_column), packed in date order into batches of at most var raw_batch_rows
       rows (a day is never split: a key holds its date, so its rows stay in one batch);
       then one batch of the rows without a date, and on an incremental run with customers
       to judge again (incremental_prepare_rejudge) one of their rows of days already loaded;
    3. runs the model's SQL once per batch with the markers' condition replaced by the
       batch's, the first creating the table, the next inserting into it. A first build and
       --full-refresh run the same batches as a daily build, over every date; --full-refresh
       builds beside the old table and swaps at the end.
    Every batch logs its dates and rows: a long first build shows where it is.

    Config: batch_source (the model the dates are read from), batch_date_column, batch_rejudge
    (true when the model re-judges customers). Post-hooks run once, after the last batch.
#}

{% macro date_batch(date_column, rejudge=false) -%}
    /* date_batch */ ({{ incremental_batch_by_date(date_column, rejudge=rejudge) }}) /* end date_batch */
{%- endmacro %}

{% macro date_batch_pattern() -%}
    /\* date_batch \*/.*?/\* end date_batch \*/
{%- endmacro %}

{% macro batched_incremental_plan(source_relation, date_column, rejudge, incremental) %}
    {#- check_vars (on-run-start) has checked it is a whole number >= 1 -#}
    {%- set max_rows = var('raw_batch_rows') | int -%}
    {%- set dates_sql -%}
        select {{ date_column }} as batch_date, count(*) as batch_rows
        from {{ source_relation }}
        where
            {{ date_column }} is not null
            {%- if incremental %}
            and (
                {{ date_column }} > {{ incremental_watermark_literal() }}
                or {{ reprocess_range_condition(date_column) }}
            )
            {%- endif %}
        group by {{ date_column }}
        order by {{ date_column }}
    {%- endset -%}
    {%- set batches = [] -%}
    {%- set current = {'first': none, 'last': none, 'rows': 0} -%}
    {%- for row in run_query(dates_sql).rows -%}
        {%- if current.first is not none and current.rows + row[1] > max_rows -%}
            {%- do batches.append({'first': current.first, 'last': current.last, 'rows': current.rows}) -%}
            {%- do current.update({'first': none, 'rows': 0}) -%}
        {%- endif -%}
        {%- if current.first is none -%}{%- do current.update({'first': row[0]}) -%}{%- endif -%}
        {%- do current.update({'last': row[0], 'rows': current.rows + row[1]}) -%}
    {%- endfor -%}
    {%- if current.first is not none -%}
        {%- do batches.append({'first': current.first, 'last': current.last, 'rows': current.rows}) -%}
    {%- endif -%}
    {%- set plan = [] -%}
    {%- for batch in batches -%}
        {%- do plan.append({
            'label': batch.first ~ ' to ' ~ batch.last ~ ' (' ~ '{:,}'.format(batch.rows) ~ ' rows)',
            'condition': date_column ~ " >= cast('" ~ batch.first ~ "' as date) and "
                ~ date_column ~ " <= cast('" ~ batch.last ~ "' as date)",
        }) -%}
    {%- endfor -%}
    {%- do plan.append({'label': 'rows without a date', 'condition': date_column ~ ' is null'}) -%}
    {%- if incremental and rejudge
        and run_query('select count(*) from ' ~ rejudge_relation()).columns[0].values()[0] > 0 -%}
        {%- do plan.append({
            'label': "re-judged customers' rows of days already loaded",
            'condition': date_column ~ ' <= ' ~ incremental_watermark_literal()
                ~ ' and not ' ~ reprocess_range_condition(date_column)
                ~ ' and ' ~ rejudge_condition(),
        }) -%}
    {%- endif -%}
    {{ return(plan) }}
{% endmacro %}

{% materialization batched_incremental, default %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set full_refresh = existing_relation is none or should_full_refresh() or existing_relation.is_view -%}
    {%- set build_relation = make_intermediate_relation(target_relation) if full_refresh and existing_relation is not none else target_relation -%}
    {%- set backup_relation = make_backup_relation(target_relation, 'table') -%}
    {%- set date_column = config.require('batch_date_column') -%}
    {%- set source_relation = ref(config.require('batch_source')) -%}
    {%- set rejudge = config.get('batch_rejudge', false) -%}
    {%- set pattern = date_batch_pattern() -%}
    {%- if modules.re.findall(pattern, sql, modules.re.S) | length != 1 -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ": a batched_incremental model selects its rows through date_batch() exactly once."
        ) }}
    {%- endif -%}

    {{ drop_relation_if_exists(load_cached_relation(build_relation) if build_relation != target_relation else none) }}
    {{ drop_relation_if_exists(load_cached_relation(backup_relation)) }}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- set plan = batched_incremental_plan(source_relation, date_column, rejudge, not full_refresh) -%}
    {%- for batch in plan -%}
        {%- set batch_sql = modules.re.sub(pattern, '(' ~ batch.condition ~ ')', sql, 1, modules.re.S) -%}
        {{ log(model.name ~ ': batch ' ~ loop.index ~ '/' ~ plan | length ~ ', ' ~ batch.label, info=True) }}
        {%- if loop.first and full_refresh -%}
            {%- call statement('main' if loop.last else 'batch') -%}
                {{ get_create_table_as_sql(false, build_relation, batch_sql) }}
            {%- endcall -%}
        {%- else -%}
            {%- call statement('main' if loop.last else 'batch') -%}
                insert into {{ build_relation }}
                select * from ({{ batch_sql }}) as batch_rows
            {%- endcall -%}
        {%- endif -%}
    {%- endfor -%}

    {%- if build_relation != target_relation -%}
        {% do adapter.rename_relation(target_relation, backup_relation) %}
        {% do adapter.rename_relation(build_relation, target_relation) %}
    {%- endif -%}

    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do adapter.commit() %}
    {%- if build_relation != target_relation -%}
        {% do adapter.drop_relation(backup_relation) %}
    {%- endif -%}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}

{#
    On Spark the model is built in one statement over every date: Spark partitions and spills
    the work itself, so there is no batch plan, and with every date in one statement there
    are no versions of a key in two batches. The per-day models rebuild in full on Spark
    (dbt_project.yml sets full_refresh there): the incremental pre-hooks delete nothing.
#}
{% materialization batched_incremental, adapter='spark' %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set pattern = date_batch_pattern() -%}
    {#- (true) in parentheses does not parse in a Spark CTE -#}
    {%- set full_sql = modules.re.sub(pattern, '(1 = 1)', sql, 1, modules.re.S) -%}

    {{ run_hooks(pre_hooks) }}
    {{ drop_relation_if_exists(existing_relation) }}
    {%- call statement('main') -%}
        {{ get_create_table_as_sql(false, target_relation, full_sql) }}
    {%- endcall -%}
    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks) }}

    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
