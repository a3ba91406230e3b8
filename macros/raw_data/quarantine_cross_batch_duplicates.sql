{#
    A post-hook of a batched_incremental model whose key does not hold the batch date (trades:
    trade_id). Each batch collapses copies and quarantines conflicting versions of a key within
    itself; two versions of one key dated differently fall into different batches (or builds).
    This finds the keys of the rows loaded now that occur more than once in the table and
    quarantines every such row as duplicate_key, as a batch holding both would have (a value
    that did not parse keeps its own reason, as there). Grouping a hash of the key first keeps
    the pass narrow; the candidates are then compared exactly. An old row it quarantines is
    marked as loaded now, so the models built on the kept rows judge its customer again.
#}
{% macro quarantine_cross_batch_duplicates(key_column, source_relation) %}
    {{ return(adapter.dispatch('quarantine_cross_batch_duplicates', 'broker_segments')(key_column, source_relation)) }}
{% endmacro %}

{% macro default__quarantine_cross_batch_duplicates(key_column, source_relation) %}
    {%- set invocation -%}'{{ invocation_id }}'{%- endset -%}
    create or replace temporary table cross_batch_duplicate_keys as
    with

    loaded_now as (

        select distinct {{ hash_of([key_column]) }} as key_hash from {{ this }}
        where loaded_by_invocation_id = {{ invocation }} and {{ key_column }} is not null

    ),

    candidate_hashes as (

        select {{ hash_of([key_column], "loaded") }} as key_hash
        from {{ this }} as loaded
        inner join loaded_now
            on {{ hash_of([key_column], "loaded") }} = loaded_now.key_hash
        group by {{ hash_of([key_column], "loaded") }}
        having count(*) > 1

    ),

    duplicates as (

        select
            loaded.{{ key_column }},
            count(*) as key_versions
        from {{ this }} as loaded
        where {{ hash_of([key_column], "loaded") }} in (select candidate_hashes.key_hash from candidate_hashes)
        group by loaded.{{ key_column }}
        having count(*) > 1

    )

    select * from duplicates;

    update {{ this }} as loaded
    set
        quarantine_reason = case
            when loaded.invalid_value is null then 'duplicate_key' else loaded.quarantine_reason
        end,
        key_versions = duplicates.key_versions,
        source_file = coalesce(
            loaded.source_file,
            (
                select source_files.source_file
                from ({{ raw_file_names(source_relation) }}) as source_files
                where source_files.source_file_id = loaded.source_file_id
            )
        ),
        loaded_by_invocation_id = {{ invocation }}
    from cross_batch_duplicate_keys as duplicates
    where
        loaded.{{ key_column }} = duplicates.{{ key_column }}
        and loaded.key_versions is distinct from duplicates.key_versions;

    drop table cross_batch_duplicate_keys
{% endmacro %}

{# Spark builds the model in one statement over every date: no key has versions in two batches. #}
{% macro spark__quarantine_cross_batch_duplicates(key_column, source_relation) %}
{% endmacro %}
